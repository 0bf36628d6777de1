package dev.openeci.api.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.store.Database;
import dev.openeci.store.NonceRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nonce floods stay bounded per key and in total; nonces survive a restart through the store. */
class NonceCacheTest {
  static final Instant NOW = Instant.parse("2026-11-22T11:00:00Z");
  static final Duration WINDOW = Duration.ofMinutes(15);

  @TempDir
  Path dir;

  static NonceCache.Store store(NonceRepository repo) {
    return dev.openeci.server.OpenEci.nonceStore(repo);
  }

  /** One key sends 20,000 fresh nonces: it is capped at its share, the others are not, memory is bounded. */
  @Test
  void aNonceFloodFromOneKeyIsBoundedAndDoesNotLockOutOthers() {
    NonceCache c = new NonceCache(WINDOW, 1000, 3000, null, NOW);
    int fresh = 0;
    int keyFull = 0;
    for (int i = 0; i < 20_000; i++) {
      switch (c.record("flooder", "n-" + i, NOW)) {
        case FRESH -> fresh++;
        case KEY_FULL -> keyFull++;
        default -> throw new AssertionError();
      }
    }
    assertThat(fresh).isEqualTo(1000);
    assertThat(keyFull).isEqualTo(19_000);
    assertThat(c.size()).isEqualTo(1000);
    assertThat(c.record("victim", "v-1", NOW)).isEqualTo(NonceCache.Result.FRESH);
    // Long nonces cost the same: the cache keeps a fixed-size digest.
    assertThat(NonceCache.digest("k", "x".repeat(1 << 20))).hasSize(22);
    // The window passes: the flooder's nonces expire and it may send again.
    assertThat(c.record("flooder", "later", NOW.plus(WINDOW).plusSeconds(1))).isEqualTo(NonceCache.Result.FRESH);
    assertThat(c.size()).isEqualTo(1);
  }

  @Test
  void theTotalCapHoldsAcrossKeys() {
    NonceCache c = new NonceCache(WINDOW, 10, 25, null, NOW);
    int fresh = 0;
    for (int k = 0; k < 10; k++) {
      for (int i = 0; i < 10; i++) if (c.record("k" + k, "n" + i, NOW) == NonceCache.Result.FRESH) fresh++;
    }
    assertThat(fresh).isEqualTo(25);
    assertThat(c.record("k9", "again", NOW)).isEqualTo(NonceCache.Result.FULL);
  }

  /** A nonce lives until its request's timestamp leaves the window (a future-dated request longer). */
  @Test
  void aNonceIsKeptForItsRequestsWindow() {
    NonceCache c = new NonceCache(WINDOW, 10, 10, null, NOW);
    assertThat(c.record("k", "future", NOW.plus(Duration.ofMinutes(14)), NOW)).isEqualTo(NonceCache.Result.FRESH);
    assertThat(c.record("k", "future", NOW.plus(Duration.ofMinutes(20)))).isEqualTo(NonceCache.Result.REUSED);
    assertThat(c.record("k", "future", NOW.plus(Duration.ofMinutes(29)).plusSeconds(1)))
        .isEqualTo(NonceCache.Result.FRESH);
  }

  /** Group commit: 8 threads x 500 nonces, every one durable when its call returned, none lost. */
  @Test
  void concurrentInsertsAreAllCommitted() throws Exception {
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      NonceRepository repo = new NonceRepository(db);
      NonceCache c = new NonceCache(WINDOW, 10_000, 10_000, store(repo), NOW);
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
      List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 500; i++) {
            assertThat(c.record("k" + thread, "n" + i, NOW)).isEqualTo(NonceCache.Result.FRESH);
          }
        }));
      }
      for (var f : done) f.get();
      pool.shutdown();
      assertThat(repo.unexpired(NOW)).hasSize(4000);
    }
  }

  /** What a restart does to the cache: a new one over the same database still knows the nonces. */
  @Test
  void noncesSurviveARestartThroughTheStore() {
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      NonceCache before = new NonceCache(WINDOW, 100, 100, store(new NonceRepository(db)), NOW);
      assertThat(before.record("k", "captured", NOW)).isEqualTo(NonceCache.Result.FRESH);
      assertThat(before.record("k", "old", NOW.minus(Duration.ofMinutes(14)), NOW)).isEqualTo(NonceCache.Result.FRESH);
    }
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      Instant later = NOW.plus(Duration.ofMinutes(2));
      NonceCache after = new NonceCache(WINDOW, 100, 100, store(new NonceRepository(db)), later);
      assertThat(after.record("k", "captured", later)).isEqualTo(NonceCache.Result.REUSED);
      assertThat(after.size()).as("the expired nonce is not loaded").isEqualTo(1);
      assertThat(after.record("k", "fresh", later)).isEqualTo(NonceCache.Result.FRESH);
      assertThat(new NonceRepository(db).deleteExpired(later.plus(WINDOW))).as("captured and old").isEqualTo(2);
    }
  }
}
