package dev.openeci.server;

import dev.openeci.api.action.ExecContainerCommandAction;
import dev.openeci.api.action.ExecLimits;
import dev.openeci.backend.PodBackend;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.RuntimeFailure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Interactive ExecContainerCommand. The action issues a WebSocketUri with a one-shot token (128
 * random bits, valid for {@link #TTL}, usable once, recorded with the caller's account); the
 * WebSocket at {@code /exec/?s=<token>} then streams the command.
 *
 * <p>Frames (docs/exec.md): binary messages whose first byte is the channel: 0 = stdin (client to
 * server; an empty payload closes stdin), 1 = stdout, 2 = stderr, 3 = status (JSON
 * {@code {"ExitCode":N}}, sent once when the command ends, then the socket closes with 1000),
 * 4 = resize (client to server, JSON {@code {"Width":COLS,"Height":ROWS}}, TTY sessions).
 * Text messages from the client are stdin too.
 */
public final class ExecSessions implements ExecContainerCommandAction.Sessions {
  private static final Logger log = LoggerFactory.getLogger(ExecSessions.class);
  public static final Duration TTL = Duration.ofSeconds(60);
  public static final String PATH = "/exec/";
  static final byte STDIN = 0;
  static final byte STDOUT = 1;
  static final byte STDERR = 2;
  static final byte STATUS = 3;
  static final byte RESIZE = 4;

  /** An issued token; {@code permit} is the account's session slot, held until the socket closes. */
  record Pending(String accountId, PodBackend.ExecTarget target, List<String> command, boolean tty, boolean stdin,
      Instant expires, ExecLimits.Permit permit) {}

  private static final com.fasterxml.jackson.databind.ObjectMapper RESIZE_JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final InstantSource clock;
  private final ExecLimits.Gate gate;
  private final SecureRandom random = new SecureRandom();
  private volatile String baseUri = "ws://127.0.0.1:8080";

  public ExecSessions(InstantSource clock) {
    this(clock, ExecLimits.DEFAULT);
  }

  public ExecSessions(InstantSource clock, ExecLimits limits) {
    this.clock = clock;
    this.gate = new ExecLimits.Gate(limits.sessionsPerAccount(), limits.sessionsTotal(), "exec WebSocket sessions");
  }

  /** Where clients reach this server's WebSocket endpoint, e.g. {@code ws://127.0.0.1:8080}. */
  public void baseUri(String uri) {
    this.baseUri = uri;
  }

  @Override
  public String open(String accountId, PodBackend.ExecTarget target, List<String> command, boolean tty,
      boolean stdin) {
    Instant now = clock.instant();
    pending.values().removeIf(p -> {
      if (!p.expires().isBefore(now)) return false;
      p.permit().close();
      return true;
    });
    ExecLimits.Permit permit = gate.acquire(accountId); // Throttling.User when the account has too many
    byte[] b = new byte[16];
    random.nextBytes(b);
    String token = HexFormat.of().formatHex(b);
    pending.put(token, new Pending(accountId, target, command, tty, stdin, now.plus(TTL), permit));
    return baseUri + PATH + "?s=" + token;
  }

  /** The WebSocket creator: a socket for a valid token, else a 403 and nothing. */
  Object create(ServerUpgradeRequest request, ServerUpgradeResponse response,
      org.eclipse.jetty.util.Callback callback) {
    String token = null;
    String query = request.getHttpURI().getQuery();
    if (query != null) {
      for (String part : query.split("&")) {
        if (part.startsWith("s=")) token = part.substring(2);
      }
    }
    Pending p = token == null ? null : pending.remove(token);
    if (p != null && p.expires().isBefore(clock.instant())) {
      p.permit().close();
      p = null;
    }
    if (p == null) {
      org.eclipse.jetty.server.Response.writeError(request, response, callback, 403,
          "unknown, used or expired exec session");
      return null;
    }
    log.info("exec session for account {} in {}: {}", p.accountId(), p.target(), p.command().get(0));
    return new ExecSocket(p);
  }

  /** One WebSocket bound to one command. */
  public final class ExecSocket implements Session.Listener.AutoDemanding {
    private final Pending p;
    private volatile Session session;
    private volatile ContainerRuntime.ExecSession exec;
    private volatile boolean closed;

    ExecSocket(Pending p) {
      this.p = p;
    }

    @Override
    public void onWebSocketOpen(Session s) {
      this.session = s;
      try {
        exec = p.target().interactive(p.command(), p.tty(), p.stdin(), new ContainerRuntime.ExecOutput() {
          @Override
          public void stdout(byte[] data) {
            send(STDOUT, data);
          }

          @Override
          public void stderr(byte[] data) {
            send(STDERR, data);
          }

          @Override
          public void exited(int exitCode) {
            send(STATUS, ("{\"ExitCode\":" + exitCode + "}").getBytes());
            session.close(StatusCode.NORMAL, "exited", Callback.NOOP);
          }
        });
        // The client may have gone while the session was being set up: end it, do not leave it running.
        if (closed) closeExec();
      } catch (RuntimeFailure e) {
        p.permit().close();
        send(STDERR, (e.getMessage() + "\n").getBytes());
        send(STATUS, "{\"ExitCode\":-1}".getBytes());
        s.close(StatusCode.SERVER_ERROR, "exec failed", Callback.NOOP);
      }
    }

    private synchronized void send(byte channel, byte[] data) {
      Session s = session;
      if (s == null || !s.isOpen()) return;
      ByteBuffer buf = ByteBuffer.allocate(data.length + 1);
      buf.put(channel).put(data).flip();
      s.sendBinary(buf, Callback.NOOP);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
      try {
        if (payload.remaining() == 0) return;
        byte channel = payload.get();
        if (channel == RESIZE && exec != null) {
          resize(payload);
          return;
        }
        if (channel != STDIN || exec == null) return;
        if (payload.remaining() == 0) {
          exec.closeStdin();
        } else {
          byte[] data = new byte[payload.remaining()];
          payload.get(data);
          exec.write(data);
        }
      } catch (IOException e) {
        log.debug("exec stdin closed: {}", e.toString());
      } finally {
        callback.succeed();
      }
    }

    /** Channel 4: {"Width":W,"Height":H}, both 1-10000; anything else is ignored. */
    private void resize(ByteBuffer payload) {
      if (!p.tty() || payload.remaining() > 256) return;
      byte[] data = new byte[payload.remaining()];
      payload.get(data);
      try {
        com.fasterxml.jackson.databind.JsonNode size = RESIZE_JSON.readTree(data);
        int w = size.path("Width").asInt(0);
        int h = size.path("Height").asInt(0);
        if (w < 1 || h < 1 || w > 10_000 || h > 10_000) return;
        exec.resize(w, h);
      } catch (IOException e) {
        log.debug("exec resize frame ignored: {}", e.toString());
      }
    }

    @Override
    public void onWebSocketText(String text) {
      try {
        if (exec != null) exec.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      } catch (IOException e) {
        log.debug("exec stdin closed: {}", e.toString());
      }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
      // The client left (or the command ended): the runtime kills a command still running and
      // reaps the session (issue 15), then the account's slot is free again.
      closed = true;
      try {
        closeExec();
      } finally {
        p.permit().close();
      }
    }

    private void closeExec() {
      ContainerRuntime.ExecSession e = exec;
      try {
        if (e != null) e.close();
      } catch (IOException ignored) {
        // closing
      }
    }

    @Override
    public void onWebSocketError(Throwable cause) {
      log.debug("exec WebSocket error: {}", cause.toString());
    }
  }

}
