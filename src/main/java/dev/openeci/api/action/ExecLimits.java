package dev.openeci.api.action;

import dev.openeci.error.ErrorCode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds on ExecContainerCommand (issue 10 finding 6; docs/security.md "Exec sessions"): a sync
 * exec holds an HTTP thread until its command ends, so sync execs are bounded per account and in
 * total and by a timeout; WebSocket sessions (issued tokens included) are bounded per account and
 * in total. The excess is answered at once with {@code Throttling.User}.
 *
 * @param syncPerAccount concurrent Sync=true execs of one account
 * @param syncTotal concurrent Sync=true execs of all accounts (keep well below the HTTP threads)
 * @param sessionsPerAccount WebSocket sessions of one account, open or issued and not yet used
 * @param sessionsTotal WebSocket sessions of all accounts
 * @param syncTimeout how long a Sync=true command may run before it is killed
 */
public record ExecLimits(int syncPerAccount, int syncTotal, int sessionsPerAccount, int sessionsTotal,
    Duration syncTimeout) {
  public static final ExecLimits DEFAULT = new ExecLimits(4, 16, 8, 64, Duration.ofSeconds(60));

  public ExecLimits {
    if (syncPerAccount < 1 || syncTotal < 1 || sessionsPerAccount < 1 || sessionsTotal < 1) {
      throw new IllegalArgumentException("exec limits must be >= 1");
    }
    if (syncTimeout.isNegative() || syncTimeout.isZero() || syncTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("the sync exec timeout must be 1..600 seconds");
    }
  }

  /** Counts held slots per account and in total; {@link #acquire} never waits. */
  public static final class Gate {
    private final int perAccount;
    private final int total;
    private final String what;
    private final Map<String, AtomicInteger> held = new ConcurrentHashMap<>();
    private final AtomicInteger all = new AtomicInteger();

    public Gate(int perAccount, int total, String what) {
      this.perAccount = perAccount;
      this.total = total;
      this.what = what;
    }

    /** A slot for the account, released by closing it; Throttling.User when none is free. */
    public Permit acquire(String accountId) {
      synchronized (this) {
        AtomicInteger mine = held.computeIfAbsent(accountId, k -> new AtomicInteger());
        if (mine.get() >= perAccount) {
          throw throttled("at most " + perAccount + " " + what + " per account at a time");
        }
        if (all.get() >= total) throw throttled("at most " + total + " " + what + " on this server at a time");
        mine.incrementAndGet();
        all.incrementAndGet();
      }
      return new Permit(this, accountId);
    }

    public synchronized int held(String accountId) {
      AtomicInteger n = held.get(accountId);
      return n == null ? 0 : n.get();
    }

    private synchronized void release(String accountId) {
      AtomicInteger mine = held.get(accountId);
      if (mine == null) return;
      if (mine.decrementAndGet() <= 0) held.remove(accountId);
      all.decrementAndGet();
    }

    private static RuntimeException throttled(String why) {
      return ErrorCode.THROTTLING_USER.withMessage("Request was denied due to user flow control: " + why + ".");
    }
  }

  /** One held slot; closing it more than once releases it once. */
  public static final class Permit implements AutoCloseable {
    private final Gate gate;
    private final String accountId;
    private final AtomicInteger open = new AtomicInteger(1);

    Permit(Gate gate, String accountId) {
      this.gate = gate;
      this.accountId = accountId;
    }

    @Override
    public void close() {
      if (open.getAndSet(0) == 1) gate.release(accountId);
    }
  }
}
