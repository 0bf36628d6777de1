package dev.openeci.api.rpc;

import java.util.Map;

/**
 * One HTTP request as the protocol layer sees it, independent of the HTTP server.
 *
 * @param headers header names in lower case; the first value of a repeated header
 */
public record RpcRequest(String method, String path, String rawQuery, Map<String, String> headers, byte[] body) {
  public RpcRequest {
    headers = Map.copyOf(headers);
    body = body == null ? new byte[0] : body;
  }

  public String header(String lowerCaseName) {
    return headers.get(lowerCaseName);
  }

  public String host() {
    String h = headers.get("host");
    return h == null ? "openeci" : h;
  }
}
