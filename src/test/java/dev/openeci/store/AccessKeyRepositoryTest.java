package dev.openeci.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.store.AccessKeyRepository.AccessKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessKeyRepositoryTest {
  @TempDir
  Path dir;

  @Test
  void keysAddedByAnotherProcessAreFoundAtOnceAndCachedOnesExpire() {
    AtomicLong now = new AtomicLong();
    try (Database db = Database.open(dir.resolve("k.db")); Database other = Database.open(dir.resolve("k.db"))) {
      AccessKeyRepository server = new AccessKeyRepository(db, now::get);
      AccessKeyRepository cli = new AccessKeyRepository(other);
      assertThat(server.find("AK1")).isEmpty();
      cli.put(new AccessKey("AK1", "s1", "acct"), Instant.now());
      assertThat(server.find("AK1")).contains(new AccessKey("AK1", "s1", "acct")); // a miss always asks the db

      cli.put(new AccessKey("AK1", "s2", "acct"), Instant.now());
      now.addAndGet(AccessKeyRepository.CACHE_NANOS - 1);
      assertThat(server.find("AK1").orElseThrow().secret()).isEqualTo("s1"); // still cached
      now.addAndGet(1);
      assertThat(server.find("AK1").orElseThrow().secret()).isEqualTo("s2"); // expired: reloaded
    }
  }

  @Test
  void writesThroughThisRepositoryAreSeenAtOnce() {
    try (Database db = Database.open(dir.resolve("k.db"))) {
      AccessKeyRepository keys = new AccessKeyRepository(db);
      keys.put(new AccessKey("AK", "old", "a"), Instant.now());
      assertThat(keys.find("AK").orElseThrow().secret()).isEqualTo("old");
      keys.put(new AccessKey("AK", "new", "b"), Instant.now());
      assertThat(keys.find("AK")).contains(new AccessKey("AK", "new", "b"));
    }
  }
}
