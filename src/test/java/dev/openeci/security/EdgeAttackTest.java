package dev.openeci.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.server.ExecSessions;
import dev.openeci.server.HttpServer;
import dev.openeci.testing.ApiHarness;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 finding 5 over real HTTP: the real Jetty server with its default bounds on an ephemeral
 * loopback port, attacked the way the probe did (slow bodies, chunked floods, huge headers).
 */
@Timeout(120)
class EdgeAttackTest {
  @TempDir
  Path dir;
  ApiHarness api;
  HttpServer server;
  int port;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeEach
  void start() throws Exception {
    api = new ApiHarness(dir);
    server = new HttpServer("127.0.0.1", 0, api.dispatcher(), new ExecSessions(InstantSource.system()));
    server.start();
    port = server.address().getPort();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    api.close();
  }

  HttpResponse<String> signedDescribe() throws Exception {
    String q = ApiHarness.signedQuery("DescribeContainerGroups", Map.of("RegionId", "cn-hangzhou"));
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/?" + q))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** 100 connections each trickling a POST body at 1 byte/s: another client's signed call still answers. */
  @Test
  void slowBodiesDoNotHoldTheServersThreads() throws Exception {
    List<Socket> slow = new ArrayList<>();
    ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();
    try {
      for (int i = 0; i < 100; i++) {
        Socket s = new Socket("127.0.0.1", port);
        s.getOutputStream().write(("POST /?Action=DescribeContainerGroups HTTP/1.1\r\nHost: x\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nA").getBytes());
        s.getOutputStream().flush();
        slow.add(s);
      }
      drip.scheduleAtFixedRate(() -> {
        for (Socket s : slow) {
          try {
            s.getOutputStream().write('a');
            s.getOutputStream().flush();
          } catch (IOException ignored) {
            // closed by the server: fine
          }
        }
      }, 1, 1, TimeUnit.SECONDS);
      Thread.sleep(2000);
      for (int i = 0; i < 5; i++) {
        long t0 = System.nanoTime();
        HttpResponse<String> r = signedDescribe();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        System.out.printf("slow-body attack: signed Describe #%d answered %d in %d ms%n", i + 1, r.statusCode(),
            (System.nanoTime() - t0) / 1_000_000);
      }
    } finally {
      drip.shutdownNow();
      for (Socket s : slow) s.close();
    }
  }

  /** A chunked body far over the limit: 413 in the ECI envelope, before the server has read it all. */
  @Test
  void chunkedOversizedBodyIsRefusedWhileStreaming() throws Exception {
    long total = 256L << 20;
    AtomicLong sent = new AtomicLong();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(60_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /?Action=DescribeContainerGroups HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
          + "Content-Type: application/x-www-form-urlencoded\r\n\r\n").getBytes());
      Thread writer = Thread.ofVirtual().start(() -> {
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'a');
        byte[] head = (Integer.toHexString(chunk.length) + "\r\n").getBytes();
        try {
          while (sent.get() < total) {
            out.write(head);
            out.write(chunk);
            out.write("\r\n".getBytes());
            sent.addAndGet(chunk.length);
          }
          out.write("0\r\n\r\n".getBytes());
        } catch (IOException closedByServer) {
          // expected: the server stops reading and closes
        }
      });
      Reply r = readResponse(s.getInputStream());
      long atAnswer = sent.get();
      writer.join(60_000);
      assertThat(r.status).as(r.body).isEqualTo(413);
      JsonNode body = new ObjectMapper().readTree(r.body);
      assertThat(body.get("Code").asText()).isEqualTo("RequestEntityTooLarge");
      assertThat(body.has("RequestId")).isTrue();
      assertThat(atAnswer).as("bytes sent when the answer came").isLessThan(total);
      System.out.printf("chunked flood: 413 %s after %d KiB sent (of %d MiB offered)%n", body.get("Code").asText(),
          atAnswer >> 10, total >> 20);
    }
  }

  /** A request line and headers over the limit: 431 in the ECI envelope (not Jetty's HTML page). */
  @Test
  void oversizedHeadersAreRefusedInTheEnvelope() throws Exception {
    String q = "A=" + "a".repeat(2 << 20);
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(("GET /?" + q + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes());
      Reply r = readResponse(s.getInputStream());
      assertThat(r.status).isBetween(400, 499);
      JsonNode body = new ObjectMapper().readTree(r.body);
      assertThat(body.get("Code").asText()).as(r.body).isNotEmpty();
      assertThat(r.headers.toLowerCase()).contains("application/json");
      System.out.println("oversized headers: " + r.status + " " + body.get("Code").asText());
    } catch (java.net.SocketException reset) {
      // The server may close before reading the rest; then the attack cost it nothing either.
    }
    assertThat(signedDescribe().statusCode()).isEqualTo(200);
  }

  record Reply(int status, String headers, String body) {}

  /** Reads one HTTP/1.1 response with Content-Length (what the server sends) from a raw socket. */
  static Reply readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) throw new IOException("connection closed before a response");
      head.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1
          : (c == '\r' ? 1 : 0);
    }
    String headers = head.toString(StandardCharsets.ISO_8859_1);
    int status = Integer.parseInt(headers.substring(9, 12));
    int length = 0;
    for (String line : headers.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
    }
    byte[] body = in.readNBytes(length);
    return new Reply(status, headers, new String(body, StandardCharsets.UTF_8));
  }
}
