package dev.openeci.ops;

import dev.openeci.store.Database;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * What {@code /readyz} asks: the database answers a query, and the backend (the container engine,
 * or a cluster) says it is ready. Each check is bounded by {@code timeout} (a check that hangs is
 * "not ready", never a hung probe). The answer is the list of reasons why not; empty = ready.
 */
public final class Readiness {
  private final Supplier<Optional<String>> database;
  private volatile Supplier<Optional<String>> backend = Optional::empty;
  private final Duration timeout;

  public Readiness(Supplier<Optional<String>> database, Duration timeout) {
    this.database = database;
    this.timeout = timeout;
  }

  /** The database check: {@code SELECT 1} through the store's connection. */
  public static Supplier<Optional<String>> database(Database db) {
    return () -> {
      db.read(c -> {
        try (var s = c.createStatement(); var r = s.executeQuery("SELECT 1")) {
          return r.next();
        }
      });
      return Optional.empty();
    };
  }

  /** The backend's check ("why not ready", empty = ready); until set, the backend counts as ready. */
  public Readiness backend(Supplier<Optional<String>> check) {
    this.backend = check;
    return this;
  }

  /** Why the server is not ready (empty = ready). */
  public List<String> check() {
    List<String> reasons = new ArrayList<>();
    run("database", database).ifPresent(reasons::add);
    run("backend", backend).ifPresent(reasons::add);
    return reasons;
  }

  private Optional<String> run(String what, Supplier<Optional<String>> check) {
    CompletableFuture<Optional<String>> f = new CompletableFuture<>();
    Thread.ofVirtual().name("readyz-" + what).start(() -> {
      try {
        f.complete(check.get());
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS).map(why -> what + ": " + why);
    } catch (TimeoutException e) {
      return Optional.of(what + ": did not answer within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      return Optional.of(what + ": " + (c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of(what + ": interrupted");
    }
  }
}
