package dev.openeci.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code GET /healthz}, {@code GET /readyz} and {@code GET /metrics}, unsigned, in front of the ECI
 * API. Every other request (another path, or another method on these paths) goes on to the API
 * unchanged; the SDKs always call {@code /}. docs/operations.md
 */
public final class OpsHandler extends Handler.Wrapper {
  public static final String HEALTHZ = "/healthz";
  public static final String READYZ = "/readyz";
  public static final String METRICS = "/metrics";
  /** Prometheus text exposition format 0.0.4. */
  static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Telemetry telemetry;
  private final Readiness readiness;

  public OpsHandler(Telemetry telemetry, Readiness readiness, Handler next) {
    super(next);
    this.telemetry = telemetry;
    this.readiness = readiness;
  }

  /** True for the requests this handler answers itself. */
  public static boolean serves(String method, String path) {
    return "GET".equals(method) && (HEALTHZ.equals(path) || READYZ.equals(path) || METRICS.equals(path));
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String path = request.getHttpURI().getPath();
    if (!serves(request.getMethod(), path)) return super.handle(request, response, callback);
    Reply r = switch (path) {
      case HEALTHZ -> new Reply(200, "text/plain; charset=utf-8", "ok\n");
      case READYZ -> ready(wantsJson(request));
      default -> new Reply(200, PROMETHEUS_TYPE, telemetry.scrape());
    };
    byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
    response.setStatus(r.status());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, r.type());
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }

  private static boolean wantsJson(Request request) {
    String accept = request.getHeaders().get(HttpHeader.ACCEPT);
    String query = request.getHttpURI().getQuery();
    return accept != null && accept.contains("application/json") || query != null && query.contains("format=json");
  }

  Reply ready(boolean json) {
    List<String> reasons = readiness.check();
    int status = reasons.isEmpty() ? 200 : 503;
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("ready", reasons.isEmpty());
      m.put("reasons", reasons);
      try {
        return new Reply(status, "application/json; charset=utf-8", JSON.writeValueAsString(m) + "\n");
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    return new Reply(status, "text/plain; charset=utf-8",
        reasons.isEmpty() ? "ready\n" : "not ready\n" + String.join("\n", reasons) + "\n");
  }

  record Reply(int status, String type, String body) {}
}
