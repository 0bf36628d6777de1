package dev.openeci.api.action;

import dev.openeci.error.ErrorCode;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.group.ContainerAccess;
import dev.openeci.group.ContainerGroup;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.backend.PodBackend;
import dev.openeci.runtime.RuntimeFailure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ExecContainerCommand: Command (JSON array, at most 20 items of at most 256 characters) in a
 * running container. {@code Sync=true} (requires TTY=false) runs it and returns the output in
 * SyncResponse; otherwise the answer is a WebSocketUri on this server, valid once for a short time
 * and only for the caller's account (see docs/exec.md).
 */
public final class ExecContainerCommandAction implements ActionHandler {
  private static final Logger log = LoggerFactory.getLogger(ExecContainerCommandAction.class);
  /** Default of {@link ExecLimits#syncTimeout()}. */
  public static final Duration SYNC_TIMEOUT = ExecLimits.DEFAULT.syncTimeout();
  public static final int SYNC_MAX_OUTPUT = 1 << 20;

  /**
   * Issues one-shot WebSocket sessions; null when the server has no WebSocket endpoint. Throws
   * {@code Throttling.User} when the account or the server has too many sessions.
   */
  public interface Sessions {
    /** Issues a one-shot WebSocket URI that runs {@code command} in {@code target} when opened. */
    String open(String accountId, PodBackend.ExecTarget target, List<String> command, boolean tty, boolean stdin);
  }

  private final ContainerAccess access;
  private final Sessions sessions;
  private final ExecLimits limits;
  private final ExecLimits.Gate syncGate;

  public ExecContainerCommandAction(ContainerAccess access, Sessions sessions) {
    this(access, sessions, ExecLimits.DEFAULT);
  }

  public ExecContainerCommandAction(ContainerAccess access, Sessions sessions, ExecLimits limits) {
    this.access = access;
    this.sessions = sessions;
    this.limits = limits;
    this.syncGate = new ExecLimits.Gate(limits.syncPerAccount(), limits.syncTotal(), "Sync=true execs");
  }

  @Override
  public String action() {
    return "ExecContainerCommand";
  }

  @Override
  public Object handle(ActionContext ctx) {
    ParamReader p = ctx.params();
    ContainerGroup g = access.group(ctx.accountId(), ctx.regionId(), p.required("ContainerGroupId"));
    String name = p.required("ContainerName");
    access.spec(g, name);
    List<String> command = p.jsonStringArray("Command");
    if (command == null || command.isEmpty()) throw ErrorCode.missing("Command");
    if (command.size() > 20) throw ErrorCode.invalid("Command", "at most 20 items, got " + command.size());
    for (String c : command) {
      if (c.length() > 256) throw ErrorCode.invalid("Command", "items are at most 256 characters");
    }
    boolean tty = Boolean.TRUE.equals(p.bool("TTY"));
    Boolean stdinParam = p.bool("Stdin");
    boolean stdin = stdinParam == null || stdinParam;
    boolean sync = Boolean.TRUE.equals(p.bool("Sync"));
    if (sync && tty) throw ErrorCode.invalid("Sync", "Sync=true requires TTY=false");
    PodBackend.ExecTarget target;
    try {
      target = access.backend().execTarget(g, name);
    } catch (PodBackend.NotRunning e) {
      throw ErrorCode.INCORRECT_STATUS.withMessage(e.getMessage());
    } catch (RuntimeFailure e) {
      throw ErrorCode.INCORRECT_STATUS.withMessage("The container " + name + " of " + g.id()
          + " cannot be reached now: " + e.getMessage());
    }
    log.info("{}: exec in container {} for account {} (sync={}, tty={})", g.id(), name, ctx.accountId(), sync, tty);
    if (sync) {
      ContainerRuntime.ExecResult r;
      // Held for the whole command: it occupies this HTTP thread (refused at once when none is free).
      try (ExecLimits.Permit permit = syncGate.acquire(ctx.accountId())) {
        r = target.exec(command, limits.syncTimeout(), SYNC_MAX_OUTPUT);
      } catch (RuntimeFailure e) {
        throw ErrorCode.INCORRECT_STATUS.withMessage("The command could not run: " + e.getMessage());
      }
      if (r.timedOut()) {
        log.info("{}: sync exec in {} killed after {} s", g.id(), name, limits.syncTimeout().toSeconds());
      }
      return Map.of("SyncResponse", r.stdout() + r.stderr());
    }
    if (sessions == null) throw ErrorCode.invalid("Sync", "this server only supports Sync=true");
    String uri = sessions.open(ctx.accountId(), target, command, tty, stdin);
    return Map.of("WebSocketUri", uri, "HttpUrl", "");
  }
}
