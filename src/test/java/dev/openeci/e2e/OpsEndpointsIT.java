package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aliyun.tea.TeaException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.testing.TestEngine;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 items 3 and 4 on a real server process and engine, through the official Tea client:
 * /healthz, /readyz, /metrics (checked by Prometheus's own parser, promtool), JSON access-log
 * lines for successful and failed calls, the generated admin secret kept out of the log, a second
 * group on a held host port refused with InvalidParameter.HostPortInUse, a port held by another
 * process failing the group with one clear event, and a missing localhost/ image said as such.
 */
class OpsEndpointsIT {
  static final String SLEEP = "trap 'exit 0' TERM; sleep 3600 & wait";
  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;
  static String adminSecret;
  static String adminKeyId;
  static final List<String> created = new ArrayList<>();
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    TestEngine.busyboxImage();
    server = new ServerProcess(dataDir, TestEngine.endpoint()).withoutEnvCredentials()
        .withArgs("--log-format", "json", "--publish-address", "127.0.0.1").start();
    SdkEndToEndIT.server = server;
    SdkEndToEndIT.engine = TestEngine.runtime();
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(dataDir.resolve("admin-credentials"))) {
      p.load(in);
    }
    adminSecret = p.getProperty("OPENECI_ACCESS_KEY_SECRET");
    adminKeyId = p.getProperty("OPENECI_ACCESS_KEY_ID");
    client = EciClients.tea(server.endpoint(), adminKeyId, adminSecret, false);
  }

  @AfterAll
  static void stop() throws Exception {
    for (String id : created) {
      try {
        EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
      } catch (Exception e) {
        // already gone
      }
    }
    try {
      for (String id : created) SdkEndToEndIT.awaitNoContainers(id);
    } finally {
      if (server != null) server.close();
    }
  }

  static HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://" + server.endpoint() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static Map<String, Object> group(String prefix, String image) {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupName", prefix + "-" + SdkEndToEndIT.shortId());
    q.put("TerminationGracePeriodSeconds", 2);
    q.put("Container.1.Name", "app");
    q.put("Container.1.Image", image);
    q.put("Container.1.Command.1", "/bin/sh");
    q.put("Container.1.Arg.1", "-c");
    q.put("Container.1.Arg.2", SLEEP);
    return q;
  }

  static String create(Map<String, Object> q) throws Exception {
    String id = (String) EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");
    created.add(id);
    return id;
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> events(Map<String, Object> group) {
    Object e = group.get("Events");
    return e == null ? List.of() : (List<Map<String, Object>>) e;
  }

  @Test
  void operationsEndpointsLogsAndActionableErrors() throws Exception {
    // The generated admin secret is in the 0600 file only: stdout is a log file here, not a terminal.
    assertThat(adminSecret).hasSizeGreaterThan(20);
    assertThat(server.logText()).doesNotContain(adminSecret).contains("admin-credentials");

    HttpResponse<String> health = get("/healthz");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("ok\n");
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);

    // A group on a host port, then a second one on the same port: refused with a documented code.
    int port = freePort();
    Map<String, Object> web = group("web", TestEngine.busyboxImage());
    web.put("AutoCreateEip", true);
    web.put("Container.1.Port.1.Port", port);
    String webId = create(web);
    Map<String, Object> second = group("web2", TestEngine.busyboxImage());
    second.put("AutoCreateEip", true);
    second.put("Container.1.Port.1.Port", port);
    assertThatThrownBy(() -> create(second)).isInstanceOfSatisfying(TeaException.class, e -> {
      assertThat(e.getCode()).isEqualTo("InvalidParameter.HostPortInUse");
      assertThat(e.getStatusCode()).isEqualTo(400);
      assertThat(e.getMessage()).contains(port + "/TCP").contains(webId);
    });
    SdkEndToEndIT.awaitStatus(client, webId, "Running");

    // A port another process holds: the group fails with one clear event, no raw engine JSON.
    try (ServerSocket held = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      Map<String, Object> blocked = group("blocked", TestEngine.busyboxImage());
      blocked.put("AutoCreateEip", true);
      blocked.put("Container.1.Port.1.Port", held.getLocalPort());
      String blockedId = create(blocked);
      Map<String, Object> failed = SdkEndToEndIT.awaitGroup(client, blockedId, g -> "Failed".equals(g.get("Status")),
          "a group whose port another process holds to fail", server::logText);
      List<Map<String, Object>> ev = events(failed);
      assertThat(ev).anySatisfy(e -> assertThat((String) e.get("Message"))
          .contains(held.getLocalPort() + "/TCP").contains("already in use by another process"));
      assertThat(ev).hasSizeLessThan(10);
      assertThat(ev).noneSatisfy(e -> assertThat((String) e.get("Message")).contains("{\""));
    }

    // A localhost/ image the engine does not have: said as such, never "https://localhost/v2/".
    String absentId = create(group("absent", "localhost/openeci-test/absent-" + SdkEndToEndIT.shortId() + ":1"));
    Map<String, Object> absent = SdkEndToEndIT.awaitGroup(client, absentId, g -> events(g).stream()
        .anyMatch(e -> String.valueOf(e.get("Message")).contains("is not in the engine's local store")),
        "the missing localhost/ image reported", server::logText);
    assertThat(events(absent)).noneSatisfy(e -> assertThat(String.valueOf(e.get("Message")))
        .containsIgnoringCase("connection refused"));

    // An authentication failure (wrong secret).
    var wrong = EciClients.tea(server.endpoint(), adminKeyId, "not-the-secret", false);
    assertThatThrownBy(() -> EciClients.call(wrong, "DescribeContainerGroups", Map.of("RegionId", "cn-hangzhou")))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("SignatureDoesNotMatch"));
    EciClients.call(client, "DescribeContainerGroups", Map.of("RegionId", "cn-hangzhou"));

    // /metrics: valid for Prometheus's own parser, and it counted the calls above.
    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
    String promtool = promtool(metrics.body());
    System.out.println("promtool check metrics: " + (promtool.isBlank() ? "(no remarks)" : promtool));
    assertThat(promtool).doesNotContain("error while linting").doesNotContain("text format parsing error");
    assertThat(metrics.body())
        .contains("openeci_api_requests_seconds_count{action=\"CreateContainerGroup\","
            + "code=\"InvalidParameter.HostPortInUse\",status=\"400\"} 1")
        .contains("openeci_api_requests_seconds_bucket{action=\"DescribeContainerGroups\",code=\"Success\"")
        .contains("openeci_groups{status=\"Running\"}")
        .contains("openeci_sync_queue_depth")
        .contains("openeci_sync_pass_seconds_count{outcome=\"ok\"}")
        .contains("openeci_engine_calls_seconds_count{operation=\"create\",outcome=\"ok\"}")
        .contains("jvm_memory_used_bytes");
    assertThat(metrics.body()).containsPattern("openeci_api_requests_seconds_count\\{action=\"unknown\","
        + "code=\"SignatureDoesNotMatch\",status=\"400\"} [1-9]|openeci_api_requests_seconds_count\\{action="
        + "\"DescribeContainerGroups\",code=\"SignatureDoesNotMatch\",status=\"400\"} [1-9]");

    // The access log: one JSON line per call, failures included.
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> access = new ArrayList<>();
    for (String line : server.logText().split("\n")) {
      if (!line.startsWith("{")) continue;
      JsonNode j = json.readTree(line);
      if ("openeci.access".equals(j.path("logger").asText())) access.add(j);
    }
    assertThat(access).anySatisfy(j -> {
      assertThat(j.get("code").asText()).isEqualTo("SignatureDoesNotMatch");
      assertThat(j.get("account").asText()).isEqualTo("-");
      assertThat(j.get("status").asInt()).isEqualTo(400);
      assertThat(j.get("remote").asText()).isEqualTo("127.0.0.1");
    });
    assertThat(access).anySatisfy(j -> {
      assertThat(j.get("action").asText()).isEqualTo("CreateContainerGroup");
      assertThat(j.get("code").asText()).isEqualTo("InvalidParameter.HostPortInUse");
      assertThat(j.get("account").asText()).isEqualTo("admin");
      assertThat(j.get("requestId").asText()).isNotBlank();
      assertThat(j.get("latencyMs").isNumber()).isTrue();
    });
    assertThat(access).anySatisfy(j -> assertThat(j.get("code").asText()).isEqualTo("Success"));

    // A stop that waits out a grace period logs its start and its end, with the group id.
    EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", webId));
    SdkEndToEndIT.await(() -> server.logText().contains(webId + ": grace period over") ? Boolean.TRUE : null,
        "the end of " + webId + "'s grace period in the log");
    assertThat(server.logText()).contains(webId + ": stopping app (grace period 2s");
    assertThat(server.logText()).doesNotContain(adminSecret);
  }

  /** {@code promtool check metrics} (Debian's prometheus package; scripts/setup-engine.sh --with-registry-tools). */
  static String promtool(String exposition) throws Exception {
    Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    // 0: clean; 3: lint remarks only (naming advice), still parsed; anything else: not parseable
    assertThat(p.exitValue()).as("promtool check metrics:\n" + out).isIn(0, 3);
    return out;
  }
}
