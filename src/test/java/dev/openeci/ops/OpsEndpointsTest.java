package dev.openeci.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.server.ExecSessions;
import dev.openeci.server.HttpServer;
import dev.openeci.testing.ApiHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** /healthz, /readyz, /metrics and the access log on a real Jetty listener in front of the real API pipeline. */
class OpsEndpointsTest {
  @TempDir Path dir;
  ApiHarness api;
  Telemetry telemetry;
  HttpServer http;
  final AtomicReference<Supplier<Optional<String>>> backend = new AtomicReference<>(Optional::empty);
  final HttpClient client = HttpClient.newHttpClient();
  final ListAppender<ILoggingEvent> access = new ListAppender<>();
  String base;

  @BeforeEach
  void start() throws Exception {
    api = new ApiHarness(dir);
    telemetry = new Telemetry();
    api.dispatcher().observe(new ApiCalls(telemetry));
    telemetry.actions(api.dispatcher().actions());
    telemetry.groups(api.repo);
    Readiness readiness = new Readiness(Readiness.database(api.db), Duration.ofMillis(500))
        .backend(() -> backend.get().get());
    http = new HttpServer("127.0.0.1", 0, api.dispatcher(), new ExecSessions(InstantSource.system()));
    http.before(next -> new OpsHandler(telemetry, readiness, next));
    http.start();
    base = "http://127.0.0.1:" + http.address().getPort();
    access.start();
    ((Logger) LoggerFactory.getLogger(ApiCalls.LOGGER)).addAppender(access);
  }

  @AfterEach
  void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger(ApiCalls.LOGGER)).detachAppender(access);
    http.close();
    telemetry.close();
    api.close();
  }

  HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
    if (headers.length > 0) b.headers(headers);
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthzAnswersOkWithoutSignature() throws Exception {
    HttpResponse<String> r = get("/healthz");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok\n");
  }

  @Test
  void readyzIs200WhenDatabaseAndBackendAnswerElse503WithTheReason() throws Exception {
    assertThat(get("/readyz").statusCode()).isEqualTo(200);

    backend.set(() -> Optional.of("the container engine does not answer at unix:///nowhere"));
    HttpResponse<String> text = get("/readyz");
    assertThat(text.statusCode()).isEqualTo(503);
    assertThat(text.body()).contains("backend: the container engine does not answer at unix:///nowhere");
    HttpResponse<String> json = get("/readyz", "Accept", "application/json");
    assertThat(json.statusCode()).isEqualTo(503);
    JsonNode j = new ObjectMapper().readTree(json.body());
    assertThat(j.get("ready").asBoolean()).isFalse();
    assertThat(j.get("reasons").get(0).asText()).startsWith("backend: ");

    backend.set(() -> {
      throw new IllegalStateException("engine refused: connection refused");
    });
    assertThat(get("/readyz").body()).contains("backend: engine refused: connection refused");
  }

  @Test
  void readyzDoesNotHangOnABackendThatHangs() throws Exception {
    backend.set(() -> {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Optional.empty();
    });
    long t0 = System.nanoTime();
    HttpResponse<String> r = get("/readyz");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("backend: did not answer within 500 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void readyzIs503WhenTheDatabaseIsClosed() throws Exception {
    api.db.close();
    HttpResponse<String> r = get("/readyz");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("database: ");
  }

  @Test
  void otherMethodsAndPathsStayTheApi() throws Exception {
    HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(base + "/healthz"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(400);
    assertThat(post.body()).contains("\"Code\":\"MissingParameter\"");
    HttpResponse<String> other = get("/healthz/x");
    assertThat(other.body()).contains("\"Code\":\"MissingParameter\"");
    // A signed call on "/" is served as before.
    String q = ApiHarness.signedQuery("DescribeRegions", Map.of("RegionId", "cn-hangzhou"));
    HttpResponse<String> signed = client.send(HttpRequest.newBuilder(URI.create(base + "/?" + q))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(signed.statusCode()).isEqualTo(200);
    assertThat(signed.body()).contains("\"Regions\"");
  }

  @Test
  void metricsCountApiCallsByActionAndCodeAndGroupsByStatus() throws Exception {
    String q = ApiHarness.signedQuery("DescribeRegions", Map.of("RegionId", "cn-hangzhou"));
    client.send(HttpRequest.newBuilder(URI.create(base + "/?" + q)).POST(HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofString());
    api.call("DescribeContainerGroups", Map.of("RegionId", "nowhere"));
    api.call("NoSuchAction", Map.of());

    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
    assertThat(r.body())
        .contains("openeci_api_requests_seconds_bucket{action=\"DescribeRegions\",code=\"Success\",status=\"200\"")
        .contains("openeci_api_requests_seconds_count{action=\"DescribeContainerGroups\",code=\"InvalidRegionId\","
            + "status=\"400\"} 1")
        .contains("openeci_api_requests_seconds_count{action=\"unknown\",code=\"InvalidAction.NotFound\"")
        .contains("openeci_groups{status=\"Running\"} 0")
        .contains("jvm_memory_used_bytes")
        .contains("process_cpu_usage");
  }

  @Test
  void accessLogHasOneLinePerCallFailuresIncluded() throws Exception {
    api.call("DescribeContainerGroups", Map.of("RegionId", "cn-hangzhou"));
    // wrong secret: an authentication failure
    String q = ApiHarness.signedQuery("DescribeContainerGroups", Map.of("RegionId", "cn-hangzhou"))
        .replaceAll("Signature=[^&]+$", "Signature=AAAA");
    HttpResponse<String> bad = client.send(HttpRequest.newBuilder(URI.create(base + "/?" + q))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);

    List<String> lines = access.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).matches("request=\\S+ account=acct action=DescribeContainerGroups code=Success"
        + " status=200 ms=\\d+ remote=-");
    assertThat(lines.get(1)).matches("request=\\S+ account=- action=DescribeContainerGroups"
        + " code=SignatureDoesNotMatch status=400 ms=\\d+ remote=127\\.0\\.0\\.1");
    // the request id in the line is the one the client got
    String rid = new ObjectMapper().readTree(bad.body()).get("RequestId").asText();
    assertThat(lines.get(1)).startsWith("request=" + rid + " ");
    assertThat(access.list.get(1).getKeyValuePairs()).extracting(kv -> kv.key)
        .containsExactly("requestId", "account", "action", "code", "status", "latencyMs", "remote");
  }

  @Test
  void aClientCannotForgeAnAccessLogLine() {
    api.call("Describe\nrequest=forged", Map.of());
    assertThat(access.list).hasSize(1);
    assertThat(access.list.get(0).getFormattedMessage()).doesNotContain("\n").contains("action=Describe_request_forged");
  }
}
