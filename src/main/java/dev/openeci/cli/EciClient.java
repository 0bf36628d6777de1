package dev.openeci.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.api.rpc.Pct;
import dev.openeci.api.rpc.RequestParameters;
import dev.openeci.api.rpc.Signatures;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The CLI's API client: RPC calls signed with ACS3-HMAC-SHA256 exactly as the official SDKs sign
 * them (parameters in a form body covered by {@code x-acs-content-sha256}; host, the
 * {@code x-acs-*} headers and content-type signed). Errors come back as {@link ApiException} with
 * the ECI code and message; an unreachable endpoint as {@link CliException} naming it.
 */
public final class EciClient {
  public static final String VERSION = "2018-08-08";
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final URI base;
  private final String region;
  private final String keyId;
  private final String secret;

  public EciClient(String endpoint, String region, String keyId, String secret) {
    this.base = baseUri(endpoint);
    this.region = region;
    this.keyId = keyId;
    this.secret = secret;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** {@code 127.0.0.1:8080} or {@code http://127.0.0.1:8080} to the base URI. */
  static URI baseUri(String endpoint) {
    String e = endpoint.trim();
    if (!e.contains("://")) e = "http://" + e;
    while (e.endsWith("/")) e = e.substring(0, e.length() - 1);
    return URI.create(e + "/");
  }

  public String region() {
    return region;
  }

  public URI base() {
    return base;
  }

  HttpClient http() {
    return http;
  }

  /** An API error: the ECI envelope's Code and Message. */
  public static final class ApiException extends Exception {
    public final int status;
    public final String code;
    public final String requestId;

    ApiException(int status, String code, String message, String requestId) {
      super(message);
      this.status = status;
      this.code = code;
      this.requestId = requestId;
    }
  }

  /** Calls an action (RegionId added unless given); returns the JSON body. */
  public JsonNode call(String action, Map<String, String> params) throws ApiException, IOException, InterruptedException {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("RegionId", region);
    p.putAll(params);
    String body = formBody(p);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String contentType = "application/x-www-form-urlencoded";
    String host = base.getHost() + (base.getPort() == -1 ? "" : ":" + base.getPort());
    Map<String, String> headers = new TreeMap<>();
    headers.put("host", host);
    headers.put("x-acs-action", action);
    headers.put("x-acs-version", VERSION);
    headers.put("x-acs-date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    headers.put("x-acs-signature-nonce", UUID.randomUUID().toString());
    headers.put("x-acs-content-sha256", Signatures.sha256Hex(bytes));
    headers.put("content-type", contentType);
    List<String> signed = new ArrayList<>(headers.keySet());
    String canonical = Signatures.v3CanonicalRequest("POST", "/", List.<RequestParameters.Pair>of(), headers, signed,
        headers.get("x-acs-content-sha256"));
    String signature = Signatures.v3Sign(secret, Signatures.v3StringToSign(canonical));
    HttpRequest.Builder b = HttpRequest.newBuilder(base).timeout(Duration.ofSeconds(120))
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
    headers.forEach((k, v) -> {
      if (!k.equals("host")) b.header(k, v);
    });
    b.header("Authorization", "ACS3-HMAC-SHA256 Credential=" + keyId + ",SignedHeaders=" + String.join(";", signed)
        + ",Signature=" + signature);
    b.header("Accept", "application/json");
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException | HttpConnectTimeoutException e) {
      throw new CliException(1, "cannot reach the openeci API at " + base + " (" + describe(e)
          + "); is `openeci serve` running there? (set --endpoint, OPENECI_ENDPOINT or a profile)");
    } catch (IOException e) {
      throw new CliException(1, "request to " + base + " failed: " + describe(e));
    }
    JsonNode json;
    try {
      json = JSON.readTree(r.body());
    } catch (IOException e) {
      throw new CliException(1, base + " answered HTTP " + r.statusCode() + " with a body that is not JSON: "
          + abbreviate(r.body()));
    }
    if (r.statusCode() >= 300 || json == null || !json.isObject()) {
      String code = json == null ? "HTTP" + r.statusCode() : json.path("Code").asText("HTTP" + r.statusCode());
      String message = json == null ? abbreviate(r.body()) : json.path("Message").asText("");
      throw new ApiException(r.statusCode(), code, message, json == null ? null : json.path("RequestId").asText(null));
    }
    return json;
  }

  private static String describe(Exception e) {
    String m = e.getMessage();
    if (e instanceof ConnectException && (m == null || m.isEmpty())) return "connection refused";
    return m == null || m.isEmpty() ? e.getClass().getSimpleName() : m;
  }

  private static String abbreviate(String s) {
    return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  static String formBody(Map<String, String> params) {
    StringBuilder sb = new StringBuilder();
    params.forEach((k, v) -> {
      if (sb.length() > 0) sb.append('&');
      sb.append(Pct.encode(k)).append('=').append(Pct.encode(v == null ? "" : v));
    });
    return sb.toString();
  }
}
