package dev.openeci.runtime.docker;

import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.RuntimeFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.IntSupplier;

/**
 * Starts an exec session over a hijacked connection on the engine's unix socket and keeps the
 * raw stream: unlike docker-java's transport it half-closes the connection when stdin ends, so
 * the command sees EOF (needed for {@code cat}, shells reading input, ...). Output frames are
 * demultiplexed (8-byte Docker stream headers) unless a TTY was requested.
 */
final class RawExecAttach implements ContainerRuntime.ExecSession {
  private final SocketChannel channel;

  private RawExecAttach(SocketChannel channel) {
    this.channel = channel;
  }

  static RawExecAttach start(String unixSocket, String execId, boolean tty, ContainerRuntime.ExecOutput output,
      IntSupplier exitCode) {
    try {
      SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch.connect(UnixDomainSocketAddress.of(Path.of(unixSocket)));
      byte[] body = ("{\"Detach\":false,\"Tty\":" + tty + "}").getBytes(StandardCharsets.UTF_8);
      String head = "POST /v1.41/exec/" + execId + "/start HTTP/1.1\r\nHost: docker\r\n"
          + "Content-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: " + body.length
          + "\r\n\r\n";
      ch.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
      ch.write(ByteBuffer.wrap(body));
      // Read the response head; whatever follows it is already stream data.
      ByteArrayOutputStream h = new ByteArrayOutputStream();
      ByteBuffer one = ByteBuffer.allocate(4096);
      byte[] rest = null;
      while (rest == null) {
        one.clear();
        int n = ch.read(one);
        if (n < 0) throw new RuntimeFailure("the engine closed the exec connection");
        h.write(one.array(), 0, n);
        byte[] all = h.toByteArray();
        int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (end >= 0) {
          String status = new String(all, 0, Math.min(all.length, 16), StandardCharsets.US_ASCII);
          if (!status.contains(" 101") && !status.contains(" 200")) {
            ch.close();
            throw new RuntimeFailure("exec start failed: " + new String(all, 0, end, StandardCharsets.US_ASCII));
          }
          rest = java.util.Arrays.copyOfRange(all, end + 4, all.length);
        }
      }
      final byte[] initial = rest;
      Thread reader = Thread.ofVirtual().name("exec-" + execId.substring(0, 12)).start(() -> {
        try {
          Demux d = new Demux(tty, output);
          d.feed(initial, initial.length);
          ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
          while (true) {
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) break;
            d.feed(buf.array(), n);
          }
        } catch (IOException e) {
          // connection closed
        } finally {
          output.exited(exitCode.getAsInt());
        }
      });
      reader.setUncaughtExceptionHandler((t, e) -> { });
      return new RawExecAttach(ch);
    } catch (IOException e) {
      throw new RuntimeFailure("exec attach failed: " + e.getMessage(), e);
    }
  }

  private static int indexOf(byte[] a, byte[] b) {
    outer:
    for (int i = 0; i + b.length <= a.length; i++) {
      for (int j = 0; j < b.length; j++) {
        if (a[i + j] != b[j]) continue outer;
      }
      return i;
    }
    return -1;
  }

  /** Docker's multiplexed stream: [type, 0, 0, 0, size(4, big-endian)] then size bytes. */
  static final class Demux {
    private final boolean raw;
    private final ContainerRuntime.ExecOutput out;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    Demux(boolean raw, ContainerRuntime.ExecOutput out) {
      this.raw = raw;
      this.out = out;
    }

    void feed(byte[] data, int n) {
      if (n <= 0) return;
      if (raw) {
        out.stdout(java.util.Arrays.copyOf(data, n));
        return;
      }
      pending.write(data, 0, n);
      byte[] all = pending.toByteArray();
      int pos = 0;
      while (all.length - pos >= 8) {
        int size = ((all[pos + 4] & 0xff) << 24) | ((all[pos + 5] & 0xff) << 16) | ((all[pos + 6] & 0xff) << 8)
            | (all[pos + 7] & 0xff);
        if (all.length - pos - 8 < size) break;
        byte[] payload = java.util.Arrays.copyOfRange(all, pos + 8, pos + 8 + size);
        if (all[pos] == 2) out.stderr(payload); else out.stdout(payload);
        pos += 8 + size;
      }
      pending.reset();
      pending.write(all, pos, all.length - pos);
    }
  }

  @Override
  public void write(byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(data);
    synchronized (channel) {
      while (b.hasRemaining()) channel.write(b);
    }
  }

  @Override
  public void closeStdin() {
    try {
      channel.shutdownOutput();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
