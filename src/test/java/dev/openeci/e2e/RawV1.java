package dev.openeci.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.api.rpc.Pct;
import dev.openeci.api.rpc.RequestParameters;
import dev.openeci.api.rpc.Signatures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Hand-built V1 requests (signing verified against the SDK captures in WireSamplesTest). */
final class RawV1 {
  private RawV1() {}

  static String sign(Map<String, String> params, String keyId, String secret, Instant time, String nonce) {
    Map<String, String> p = new TreeMap<>(params);
    p.putIfAbsent("Version", "2018-08-08");
    p.put("AccessKeyId", keyId);
    p.put("SignatureMethod", "HMAC-SHA1");
    p.put("SignatureVersion", "1.0");
    p.put("SignatureNonce", nonce);
    p.put("Timestamp", time.toString());
    p.put("Format", "JSON");
    List<RequestParameters.Pair> pairs = new ArrayList<>();
    p.forEach((k, v) -> pairs.add(new RequestParameters.Pair(k, v)));
    String sig = Signatures.v1Sign(secret, Signatures.v1StringToSign("GET", pairs, false));
    StringBuilder q = new StringBuilder();
    p.forEach((k, v) -> q.append(q.length() == 0 ? "" : "&").append(Pct.encode(k)).append('=').append(Pct.encode(v)));
    return q + "&Signature=" + Pct.encode(sig);
  }

  /** "STATUS CODE" of the reply (CODE empty on success). */
  static String send(HttpClient http, String endpoint, String query) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + endpoint + "/?" + query)).GET()
        .build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body = new ObjectMapper().readTree(r.body());
    return r.statusCode() + " " + (body.has("Code") ? body.get("Code").asText() : "");
  }
}
