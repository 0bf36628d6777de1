package dev.openeci.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code exec [-it] GROUP CONTAINER [--] COMMAND...}: ExecContainerCommand, then its WebSocket
 * (frames in docs/exec.md). {@code -i} sends stdin (EOF closes the remote stdin); {@code -t} asks
 * for a remote terminal, and when stdin is a terminal it goes raw (no local echo, Ctrl-C is a
 * byte for the remote process) and the window size is sent at start and on each change. Closing
 * the socket (the client exits or is killed) ends the remote process. Exits with its exit code.
 */
@Command(name = "exec", description = {"Run a command in a container (ExecContainerCommand over WebSocket).",
    "Streams stdin (-i), stdout and stderr; -t gives it a terminal; exits with the command's exit code."},
    footer = {"", "Options go before GROUP; everything after CONTAINER (an optional -- first) is the command.",
        "Examples:", "  openeci exec web web -- cat /etc/hostname", "  openeci exec -it web web -- sh",
        "  echo hi | openeci exec -i web web -- sh -c 'cat > /tmp/x'"})
final class ExecCommand extends Cli.Base {
  static final byte STDIN = 0;
  static final byte STDOUT = 1;
  static final byte STDERR = 2;
  static final byte STATUS = 3;
  static final byte RESIZE = 4;

  @Option(names = {"-i", "--interactive"}, description = "Send stdin to the command")
  boolean interactive;

  @Option(names = {"-t", "--tty"}, description = "Allocate a terminal for the command (raw local terminal when"
      + " stdin is one)")
  boolean tty;

  @Parameters(index = "0", paramLabel = "GROUP", description = "Group id or name")
  String group;

  @Parameters(index = "1", paramLabel = "CONTAINER", description = "Container name")
  String container;

  @Parameters(index = "2..*", arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments")
  List<String> command;

  @Override
  int run() throws EciClient.ApiException, IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(command);
    if (!cmd.isEmpty() && cmd.get(0).equals("--")) cmd.remove(0);
    if (cmd.isEmpty()) throw new CliException(2, "exec: a COMMAND is required after GROUP CONTAINER");
    String id = group.startsWith("eci-") ? group : group(group).path("ContainerGroupId").asText();
    Map<String, String> p = new LinkedHashMap<>();
    p.put("ContainerGroupId", id);
    p.put("ContainerName", container);
    p.put("Command", Cli.jsonArray(cmd));
    p.put("TTY", Boolean.toString(tty));
    p.put("Stdin", Boolean.toString(interactive));
    JsonNode r = call("ExecContainerCommand", p);
    String uri = r.path("WebSocketUri").asText("");
    if (uri.isEmpty()) throw new CliException(1, "the server returned no WebSocketUri");
    boolean rawTerminal = tty && interactive && Terminal.stdinIsTerminal();
    OutputStream stdout = new FileOutputStream(FileDescriptor.out);
    OutputStream stderr = new FileOutputStream(FileDescriptor.err);
    Terminal terminal = rawTerminal ? Terminal.raw() : null;
    try {
      int code = session(uri, new FileInputStream(FileDescriptor.in), stdout, stderr, rawTerminal);
      if (code < 0) {
        if (terminal != null) terminal.close();
        err.println("openeci: the exec session ended without an exit status");
        return 255;
      }
      return code;
    } finally {
      if (terminal != null) terminal.close();
    }
  }

  private int session(String uri, InputStream in, OutputStream out, OutputStream errOut, boolean rawTerminal)
      throws IOException, InterruptedException {
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    WebSocket ws;
    try {
      ws = client().http().newWebSocketBuilder().buildAsync(URI.create(uri), new Listener(out, errOut, exit)).join();
    } catch (java.util.concurrent.CompletionException e) {
      throw new CliException(1, "cannot open the exec session at " + uri + ": " + e.getCause());
    }
    Object sendLock = new Object();
    if (rawTerminal) {
      Runnable sendSize = () -> {
        int[] size = Terminal.size();
        if (size == null) return;
        byte[] json = ("{\"Width\":" + size[1] + ",\"Height\":" + size[0] + "}").getBytes(StandardCharsets.UTF_8);
        send(ws, sendLock, RESIZE, json, json.length);
      };
      sendSize.run();
      Terminal.onWindowChange(() -> Thread.ofVirtual().start(sendSize));
    }
    if (interactive) {
      Thread pump = new Thread(() -> {
        byte[] buf = new byte[8192];
        try {
          int n;
          while ((n = in.read(buf)) >= 0 && !exit.isDone()) {
            if (n > 0) send(ws, sendLock, STDIN, buf, n);
          }
          if (!exit.isDone()) send(ws, sendLock, STDIN, new byte[0], 0);
        } catch (IOException | RuntimeException e) {
          // the session ended
        }
      }, "exec-stdin");
      pump.setDaemon(true);
      pump.start();
    }
    try {
      return exit.get();
    } catch (ExecutionException e) {
      throw new CliException(1, "exec session failed: " + e.getCause());
    } finally {
      ws.abort();
    }
  }

  private static void send(WebSocket ws, Object lock, byte channel, byte[] data, int n) {
    ByteBuffer frame = ByteBuffer.allocate(n + 1);
    frame.put(channel).put(data, 0, n).flip();
    synchronized (lock) {
      ws.sendBinary(frame, true).join();
    }
  }

  /** Frames from the server: 1 stdout, 2 stderr, 3 the exit status. */
  private static final class Listener implements WebSocket.Listener {
    private final OutputStream out;
    private final OutputStream err;
    private final CompletableFuture<Integer> exit;
    private ByteBuffer partial = ByteBuffer.allocate(0);

    Listener(OutputStream out, OutputStream err, CompletableFuture<Integer> exit) {
      this.out = out;
      this.err = err;
      this.exit = exit;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
      ByteBuffer joined = ByteBuffer.allocate(partial.remaining() + data.remaining());
      joined.put(partial).put(data).flip();
      partial = joined;
      if (last) {
        handle(partial);
        partial = ByteBuffer.allocate(0);
      }
      socket.request(1);
      return null;
    }

    private void handle(ByteBuffer frame) {
      if (!frame.hasRemaining()) return;
      byte channel = frame.get();
      byte[] payload = new byte[frame.remaining()];
      frame.get(payload);
      try {
        switch (channel) {
          case STDOUT -> {
            out.write(payload);
            out.flush();
          }
          case STDERR -> {
            err.write(payload);
            err.flush();
          }
          case STATUS -> exit.complete(EciClient.JSON.readTree(payload).path("ExitCode").asInt(-1));
          default -> { }
        }
      } catch (IOException e) {
        exit.completeExceptionally(e);
      }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int status, String reason) {
      exit.complete(-1);
      return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
      exit.completeExceptionally(error);
    }
  }
}
