package dev.openeci.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.api.rpc.Pct;
import dev.openeci.api.rpc.RequestParameters;
import dev.openeci.api.rpc.Signatures;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code ./openeci exec}: calls ExecContainerCommand (signed like the SDKs, RPC V1) and attaches
 * to the returned WebSocket, copying stdin to channel 0 and channels 1/2 to stdout/stderr. Returns
 * the command's exit code.
 */
public final class ExecClient {
  private final HttpClient http = HttpClient.newHttpClient();
  private final String endpoint;
  private final String region;
  private final String keyId;
  private final String secret;

  public ExecClient(String endpoint, String region, String keyId, String secret) {
    this.endpoint = endpoint;
    this.region = region;
    this.keyId = keyId;
    this.secret = secret;
  }

  /** Calls an action with V1 signing; returns the JSON body, or throws with the API's Code and Message. */
  public JsonNode call(String action, Map<String, String> params) throws IOException, InterruptedException {
    Map<String, String> p = new TreeMap<>(params);
    p.put("Action", action);
    p.put("Version", "2018-08-08");
    p.put("RegionId", region);
    p.put("AccessKeyId", keyId);
    p.put("SignatureMethod", "HMAC-SHA1");
    p.put("SignatureVersion", "1.0");
    p.put("SignatureNonce", UUID.randomUUID().toString());
    p.put("Timestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    p.put("Format", "JSON");
    List<RequestParameters.Pair> pairs = new ArrayList<>();
    p.forEach((k, v) -> pairs.add(new RequestParameters.Pair(k, v)));
    String sig = Signatures.v1Sign(secret, Signatures.v1StringToSign("GET", pairs, false));
    StringBuilder q = new StringBuilder();
    p.forEach((k, v) -> q.append(q.length() == 0 ? "" : "&").append(Pct.encode(k)).append('=').append(Pct.encode(v)));
    q.append("&Signature=").append(Pct.encode(sig));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + endpoint + "/?" + q)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode body = new ObjectMapper().readTree(r.body());
    if (r.statusCode() >= 300) {
      throw new IOException(body.path("Code").asText() + ": " + body.path("Message").asText());
    }
    return body;
  }

  public int exec(String groupId, String container, List<String> command, boolean tty, InputStream in,
      OutputStream out, OutputStream err) throws IOException, InterruptedException {
    JsonNode r = call("ExecContainerCommand", Map.of("ContainerGroupId", groupId, "ContainerName", container,
        "Command", new ObjectMapper().writeValueAsString(command), "TTY", Boolean.toString(tty)));
    String uri = r.path("WebSocketUri").asText();
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(uri), new WebSocket.Listener() {
      private ByteBuffer partial = ByteBuffer.allocate(0);

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
            case 1 -> {
              out.write(payload);
              out.flush();
            }
            case 2 -> {
              err.write(payload);
              err.flush();
            }
            case 3 -> exit.complete(new ObjectMapper().readTree(payload).path("ExitCode").asInt(-1));
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
    }).join();
    Thread pump = new Thread(() -> {
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = in.read(buf)) >= 0 && !exit.isDone()) {
          ByteBuffer frame = ByteBuffer.allocate(n + 1);
          frame.put((byte) 0).put(buf, 0, n).flip();
          ws.sendBinary(frame, true).join();
        }
        if (!exit.isDone()) ws.sendBinary(ByteBuffer.wrap(new byte[] {0}), true).join();
      } catch (IOException | RuntimeException e) {
        // the session ended
      }
    }, "exec-stdin");
    pump.setDaemon(true);
    pump.start();
    try {
      return exit.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException("exec session failed: " + e.getCause(), e.getCause());
    }
  }
}
