package dev.openeci.reconcile;

import dev.openeci.group.Action;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.RuntimeFailure;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Runs a probe or lifecycle handler against one running container, as the kubelet does: Exec runs
 * the command in the container (exit 0 = success); HttpGet requests the group's IP (never another
 * host: see {@link #target}) and
 * counts 200-399 as success (HTTPS certificates are not verified, like the kubelet); TcpSocket
 * succeeds when a connection opens.
 */
public final class HandlerRunner {
  /** The outcome and a short, user-visible reason for failures. */
  public record Result(boolean ok, String message) {
    static Result success() {
      return new Result(true, "");
    }

    static Result failure(String message) {
      return new Result(false, message);
    }
  }

  private final ContainerRuntime runtime;
  private final HttpClient http;

  public HandlerRunner(ContainerRuntime runtime) {
    this.runtime = runtime;
    this.http = HttpClient.newBuilder().sslContext(trustAll()).followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  public Result run(Action action, String containerId, String podIp, Duration timeout) {
    return switch (action) {
      case Action.Exec e -> exec(e, containerId, timeout);
      case Action.HttpGet h -> httpGet(h, podIp, timeout);
      case Action.TcpSocket t -> tcp(t, podIp, timeout);
    };
  }

  private Result exec(Action.Exec e, String containerId, Duration timeout) {
    try {
      ContainerRuntime.ExecResult r = runtime.exec(containerId, e.command(), timeout, 10 * 1024);
      if (r.timedOut()) return Result.failure("command timed out after " + timeout.toSeconds() + "s");
      if (r.exitCode() == 0) return Result.success();
      String out = (r.stdout() + r.stderr()).strip();
      return Result.failure("command " + e.command() + " exited with " + r.exitCode()
          + (out.isEmpty() ? "" : ": " + (out.length() > 200 ? out.substring(0, 200) : out)));
    } catch (RuntimeFailure f) {
      return Result.failure(f.getMessage());
    }
  }

  /**
   * Where a handler connects: always the group's own address. The handler runs in openeci's
   * process, on the host's network, so a tenant-chosen Host would let any tenant reach the host's
   * loopback services, other accounts' groups or the operator's network (server-side request
   * forgery). Host unset, "localhost" or a loopback address mean the group itself (what a
   * container means by them); the group's own IP is accepted as written; anything else is refused
   * (docs/security.md).
   */
  static String target(String host, String podIp) {
    if (podIp == null) return null;
    if (host == null || host.isBlank()) return podIp;
    String h = host.strip();
    if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
    if (h.equalsIgnoreCase("localhost") || h.equals("::1") || h.matches("127(\\.\\d{1,3}){3}")) return podIp;
    return h.equals(podIp) ? podIp : null;
  }

  private static String refusedHost(String host, String podIp) {
    return "Host \"" + host + "\" is refused: handlers run by openeci reach only their own group (" + podIp
        + "); leave Host unset (docs/security.md)";
  }

  private Result httpGet(Action.HttpGet h, String podIp, Duration timeout) {
    if (podIp == null) return Result.failure("the group has no IP yet");
    String host = target(h.host(), podIp);
    if (host == null) return Result.failure(refusedHost(h.host(), podIp));
    String scheme = "HTTPS".equals(h.scheme()) ? "https" : "http";
    String path = h.path() == null ? "/" : h.path();
    URI uri = URI.create(scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + h.port() + path);
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).GET().header("User-Agent", "openeci-probe/1");
      for (Action.Header header : h.headers()) b.header(header.name(), header.value());
      HttpResponse<Void> r = http.send(b.build(), HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() >= 200 && r.statusCode() < 400) return Result.success();
      return Result.failure("HTTP probe failed with statuscode: " + r.statusCode());
    } catch (IOException | IllegalArgumentException e) {
      return Result.failure("Get \"" + uri + "\": " + e.getClass().getSimpleName() + " " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.failure("interrupted");
    }
  }

  private static Result tcp(Action.TcpSocket t, String podIp, Duration timeout) {
    if (podIp == null) return Result.failure("the group has no IP yet");
    String host = target(t.host(), podIp);
    if (host == null) return Result.failure(refusedHost(t.host(), podIp));
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, t.port()), (int) Math.max(1, timeout.toMillis()));
      return Result.success();
    } catch (IOException e) {
      return Result.failure("dial tcp " + host + ":" + t.port() + ": " + e.getMessage());
    }
  }

  private static SSLContext trustAll() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] c, String a) { }

        @Override
        public void checkServerTrusted(X509Certificate[] c, String a) { }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, new SecureRandom());
      return ctx;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
