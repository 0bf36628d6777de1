package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.testing.TestEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 10 finding 7 (nonces forgotten on restart) and the per-account rate limit, against the
 * real server process: a captured signed create replayed after {@code kill -9} and a restart is
 * refused (SignatureNonceUsed), and exactly one group exists.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplayAfterRestartIT {
  static ServerProcess server;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  static final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    TestEngine.busyboxImage();
    Path dataDir = Files.createTempDirectory("openeci-replay");
    server = new ServerProcess(dataDir, TestEngine.endpoint()).withArgs("--rate-limit", "2", "--rate-burst", "30")
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
  }

  record Reply(int status, JsonNode body) {
    String code() {
      return body.has("Code") ? body.get("Code").asText() : "";
    }
  }

  static Reply send(String query) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + server.endpoint() + "/?" + query))
        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), json.readTree(r.body()));
  }

  static String signed(Map<String, String> params, String nonce) {
    return RawV1.sign(params, ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET,
        Instant.now().truncatedTo(ChronoUnit.SECONDS), nonce);
  }

  @Test
  @Order(1)
  void aSignedCreateReplayedAfterKill9AndRestartIsRefused() throws Exception {
    String name = "replay-" + SdkEndToEndIT.shortId();
    Map<String, String> create = new LinkedHashMap<>();
    create.put("Action", "CreateContainerGroup");
    create.put("RegionId", "cn-hangzhou");
    create.put("ContainerGroupName", name);
    create.put("Container.1.Name", "app");
    create.put("Container.1.Image", TestEngine.BUSYBOX);
    create.put("Container.1.Command.1", "sleep");
    create.put("Container.1.Arg.1", "3600");
    String captured = signed(create, "captured-" + SdkEndToEndIT.shortId());
    Reply first = send(captured);
    assertThat(first.status()).as(first.body().toString()).isEqualTo(200);

    server.kill9();
    server.start();

    Reply replay = send(captured);
    assertThat(replay.status()).as(replay.body().toString()).isEqualTo(400);
    assertThat(replay.code()).isEqualTo("SignatureNonceUsed");
    Reply groups = send(signed(Map.of("Action", "DescribeContainerGroups", "RegionId", "cn-hangzhou",
        "ContainerGroupName", name), "d-" + SdkEndToEndIT.shortId()));
    assertThat(groups.body().get("ContainerGroups")).as("groups named " + name).hasSize(1);
    Reply delete = send(signed(Map.of("Action", "DeleteContainerGroup", "RegionId", "cn-hangzhou",
        "ContainerGroupId", first.body().get("ContainerGroupId").asText()), "x-" + SdkEndToEndIT.shortId()));
    assertThat(delete.status()).isEqualTo(200);
    // Let the server remove its containers before the next test and the teardown.
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      Reply left = send(signed(Map.of("Action", "DescribeContainerGroups", "RegionId", "cn-hangzhou",
          "ContainerGroupName", name), "w-" + SdkEndToEndIT.shortId()));
      if (left.status() == 200 && left.body().get("ContainerGroups").isEmpty()) break;
      Thread.sleep(1000);
    }
  }

  /** Past its burst (30) at 2 requests/s an account gets Throttling.User (HTTP 400). */
  @Test
  @Order(2)
  void anAccountPastItsRateGetsThrottlingUser() throws Exception {
    int ok = 0;
    Reply throttled = null;
    for (int i = 0; i < 60 && throttled == null; i++) {
      Reply r = send(signed(Map.of("Action", "DescribeContainerGroups", "RegionId", "cn-hangzhou"),
          "r-" + i + "-" + SdkEndToEndIT.shortId()));
      if (r.status() == 200) {
        ok++;
      } else {
        throttled = r;
      }
    }
    assertThat(throttled).as("a throttled answer within 60 requests").isNotNull();
    assertThat(throttled.status()).isEqualTo(400);
    assertThat(throttled.code()).isEqualTo("Throttling.User");
    assertThat(ok).as("the burst, less what the previous test used, plus the refill").isBetween(20, 59);
    System.out.println("rate limit: " + ok + " answered, then " + throttled.code());
  }
}
