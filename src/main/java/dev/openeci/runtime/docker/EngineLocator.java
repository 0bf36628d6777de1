package dev.openeci.runtime.docker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the first Docker-API engine that answers {@code GET /_ping}: {@code DOCKER_HOST} (unix
 * sockets), then Podman's {@code /run/podman/podman.sock}, then {@code /var/run/docker.sock}.
 * The same order as {@code scripts/setup-engine.sh}.
 */
public final class EngineLocator {
  public static final List<String> DEFAULT_SOCKETS = List.of("/run/podman/podman.sock", "/var/run/docker.sock");

  private EngineLocator() {}

  public static List<String> candidates(Map<String, String> env) {
    List<String> out = new ArrayList<>();
    String dockerHost = env.get("DOCKER_HOST");
    if (dockerHost != null && dockerHost.startsWith("unix://")) out.add(dockerHost);
    for (String s : DEFAULT_SOCKETS) {
      String uri = "unix://" + s;
      if (!out.contains(uri)) out.add(uri);
    }
    return out;
  }

  public static Optional<String> locate(Map<String, String> env) {
    for (String uri : candidates(env)) {
      if (pings(uri)) return Optional.of(uri);
    }
    return Optional.empty();
  }

  /** True when a unix-socket engine answers {@code _ping} with 200 within about a second. */
  public static boolean pings(String unixUri) {
    Path socket = Path.of(unixUri.substring("unix://".length()));
    if (!Files.exists(socket)) return false;
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer buf = ByteBuffer.allocate(64);
      long deadline = System.nanoTime() + 2_000_000_000L;
      ch.configureBlocking(true);
      int n = ch.read(buf);
      if (n <= 0 || System.nanoTime() > deadline) return false;
      String head = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
      return head.startsWith("HTTP/1.") && head.contains(" 200 ");
    } catch (IOException e) {
      return false;
    }
  }

}
