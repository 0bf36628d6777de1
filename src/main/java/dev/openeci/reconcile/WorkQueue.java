package dev.openeci.reconcile;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serialized work per key on a shared, bounded pool: at most one run per key at a time, and
 * requests that arrive while a key runs coalesce into exactly one more run (the kubelet pod-worker
 * rule: the latest request wins, intermediate ones need not be seen). No thread per key.
 *
 * <p>State per key: absent (idle) -> QUEUED (submitted once) -> RUNNING -> absent, or
 * RUNNING -> DIRTY (asked again while running) -> QUEUED (resubmitted).
 */
public final class WorkQueue {
  private static final Logger log = LoggerFactory.getLogger(WorkQueue.class);

  private enum State { QUEUED, RUNNING, DIRTY }

  private final Executor pool;
  private final Consumer<String> work;
  private final Map<String, State> states = new ConcurrentHashMap<>();

  public WorkQueue(Executor pool, Consumer<String> work) {
    this.pool = pool;
    this.work = work;
  }

  /**
   * A queue whose work needs to ask for more work (a sync that wants another sync, a timer that
   * wakes a group): {@code wiring} receives this queue's {@link #enqueue} and returns the work, so
   * the loop is wired once, in its constructor, with no handle set afterwards.
   */
  public static WorkQueue wired(Executor pool, java.util.function.Function<Consumer<String>, Consumer<String>> wiring) {
    return new WorkQueue(pool, wiring, true);
  }

  private WorkQueue(Executor pool, java.util.function.Function<Consumer<String>, Consumer<String>> wiring,
      boolean wired) {
    this.pool = pool;
    this.work = wiring.apply(this::enqueue);
  }

  /** Asks for one more run of {@code key}'s work; cheap and safe from any thread. */
  public void enqueue(String key) {
    boolean[] submit = {false};
    states.compute(key, (k, s) -> {
      if (s == null) {
        submit[0] = true;
        return State.QUEUED;
      }
      return s == State.RUNNING ? State.DIRTY : s;
    });
    if (submit[0]) submit(key);
  }

  private void submit(String key) {
    try {
      pool.execute(() -> run(key));
    } catch (RejectedExecutionException e) {
      states.remove(key);
      log.debug("work for {} dropped: pool shut down", key);
    }
  }

  private void run(String key) {
    states.put(key, State.RUNNING);
    try {
      work.accept(key);
    } catch (RuntimeException e) {
      log.error("work for {} failed: {}", key, e.toString(), e);
    } finally {
      State after = states.compute(key, (k, s) -> s == State.DIRTY ? State.QUEUED : null);
      if (after == State.QUEUED) submit(key);
    }
  }

  /** Keys waiting for a worker (queued, or asked again while running): the queue's depth. */
  public int waiting() {
    int n = 0;
    for (State s : states.values()) if (s != State.RUNNING) n++;
    return n;
  }

  /** Keys whose work runs now (asked again or not). */
  public int running() {
    int n = 0;
    for (State s : states.values()) if (s != State.QUEUED) n++;
    return n;
  }

  /** True when nothing is queued or running (for tests and shutdown). */
  public boolean idle() {
    return states.isEmpty();
  }
}
