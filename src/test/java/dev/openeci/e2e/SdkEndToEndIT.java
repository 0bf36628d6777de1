package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aliyun.tea.TeaException;
import com.aliyuncs.DefaultAcsClient;
import com.aliyuncs.eci.model.v20180808.CreateContainerGroupRequest;
import com.aliyuncs.eci.model.v20180808.CreateContainerGroupResponse;
import com.aliyuncs.eci.model.v20180808.DeleteContainerGroupRequest;
import com.aliyuncs.eci.model.v20180808.DescribeContainerGroupsRequest;
import com.aliyuncs.eci.model.v20180808.DescribeContainerGroupsResponse;
import com.aliyuncs.http.ProtocolType;
import com.aliyuncs.profile.DefaultProfile;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.Labels;
import dev.openeci.testing.TestEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The walking skeleton end to end: official SDK clients drive a real openeci process, which runs
 * real container groups on the real engine. Each group's busybox container serves HTTP; the test
 * fetches a page from its IntranetIp, deletes it and proves the backend holds nothing of it. The
 * class runs once per backend ({@link TestBackend}: the local engine and a real Kubernetes
 * cluster), the same scenarios and the same assertions on both.
 */
@ParameterizedClass(name = "{0} backend")
@MethodSource("dev.openeci.e2e.TestBackend#enabled")
class SdkEndToEndIT {
  /** Serves a page; exits on SIGTERM at once (the shell is PID 1, so it needs the trap). */
  static final String HTTPD = "mkdir -p /tmp/www; echo \"hello from $GREETING\" > /tmp/www/index.html;"
      + " trap 'exit 0' TERM; httpd -f -p 8080 -h /tmp/www & wait";

  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static ContainerRuntime engine;
  static String image;
  /** The backend {@link #containerIds} and {@link #awaitNoContainers} look at (other ITs: local). */
  static TestBackend backend = TestBackend.LOCAL;

  @Parameter
  TestBackend thisBackend;

  @BeforeParameterizedClassInvocation
  static void start(TestBackend b) throws Exception {
    backend = b;
    image = b.busybox();
    if (b == TestBackend.LOCAL) engine = TestEngine.runtime();
    server = b.server(dataDir.resolve(b.name().toLowerCase())).start();
  }

  @AfterParameterizedClassInvocation
  static void stop() throws Exception {
    try {
      if (server != null) server.close();
    } finally {
      server = null;
      backend = TestBackend.LOCAL;
    }
  }

  static Map<String, Object> createQuery(String name, String greeting) {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupName", name);
    q.put("RestartPolicy", "Always");
    q.put("Cpu", 1.0);
    q.put("Memory", 2.0);
    q.put("Tag.1.Key", "suite");
    q.put("Tag.1.Value", "e2e");
    q.put("Container.1.Name", "web");
    q.put("Container.1.Image", backend.busybox());
    q.put("Container.1.ImagePullPolicy", "IfNotPresent");
    q.put("Container.1.Command.1", "/bin/sh");
    q.put("Container.1.Arg.1", "-c");
    q.put("Container.1.Arg.2", HTTPD);
    q.put("Container.1.EnvironmentVar.1.Key", "GREETING");
    q.put("Container.1.EnvironmentVar.1.Value", greeting);
    q.put("Container.1.Port.1.Port", 8080);
    q.put("Container.1.Port.1.Protocol", "TCP");
    q.put("Container.1.Cpu", 0.5);
    q.put("Container.1.Memory", 1.0);
    return q;
  }

  @ParameterizedTest(name = "tea-openapi callApi, signature {0}")
  @ValueSource(strings = {"V3", "V1"})
  void createRunServeDeleteWithTea(String signature) throws Exception {
    var client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET,
        signature.equals("V1"));
    String name = "e2e-tea-" + signature.toLowerCase() + "-" + shortId();
    Map<String, Object> created = EciClients.call(client, "CreateContainerGroup", createQuery(name, "tea " + signature));
    String id = (String) created.get("ContainerGroupId");
    assertThat(id).matches("eci-[a-z0-9]{20}");
    assertThat(created.get("RequestId")).isInstanceOf(String.class);

    Map<String, Object> group = awaitStatus(client, id, "Running");
    assertThat(group.get("ContainerGroupName")).isEqualTo(name);
    assertThat(group.get("Cpu")).isEqualTo(1.0);
    assertThat(group.get("Memory")).isEqualTo(2.0);
    assertThat(group.get("DnsConfig")).isEqualTo(Map.of());
    assertThat(group.get("EciSecurityContext")).isEqualTo(Map.of());
    assertThat(group.get("Tags")).isEqualTo(List.of(Map.of("Key", "suite", "Value", "e2e")));
    @SuppressWarnings("unchecked")
    Map<String, Object> web = ((List<Map<String, Object>>) group.get("Containers")).get(0);
    assertThat(web.get("Name")).isEqualTo("web");
    assertThat(web.get("Commands")).isEqualTo(List.of("/bin/sh"));
    assertThat(web.get("Args")).isEqualTo(List.of("-c", HTTPD));
    assertThat(((Number) web.get("RestartCount")).intValue()).isZero();
    assertThat(web.get("Ready")).isEqualTo(true);
    @SuppressWarnings("unchecked")
    Map<String, Object> current = (Map<String, Object>) web.get("CurrentState");
    assertThat(current.get("State")).isEqualTo("Running");
    assertThat((String) current.get("StartTime")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> events = (List<Map<String, Object>>) group.get("Events");
    assertThat(events).extracting(e -> e.get("Reason")).contains("Created", "Started");

    String ip = (String) group.get("IntranetIp");
    assertThat(ip).isNotBlank();
    assertThat(httpGet("http://" + ip + ":8080/")).isEqualTo("hello from tea " + signature + "\n");

    EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
    assertThat(describe(client, id)).isEmpty();
    awaitNoContainers(id);
  }

  @Test
  void legacyTypedSdkCreatesDescribesDeletes() throws Exception {
    DefaultProfile profile = DefaultProfile.getProfile("cn-hangzhou", ServerProcess.ACCESS_KEY_ID,
        ServerProcess.ACCESS_KEY_SECRET);
    DefaultAcsClient client = new DefaultAcsClient(profile);
    String name = "e2e-legacy-" + shortId();

    CreateContainerGroupRequest create = new CreateContainerGroupRequest();
    legacy(create);
    create.setContainerGroupName(name);
    create.setRestartPolicy("Never");
    CreateContainerGroupRequest.Container c = new CreateContainerGroupRequest.Container();
    c.setName("web");
    c.setImage(image);
    c.setCommands(List.of("/bin/sh"));
    c.setArgs(List.of("-c", HTTPD));
    CreateContainerGroupRequest.Container.EnvironmentVar env = new CreateContainerGroupRequest.Container.EnvironmentVar();
    env.setKey("GREETING");
    env.setValue("legacy é");
    c.setEnvironmentVars(List.of(env));
    c.setCpu(0.5f);
    c.setMemory(1.0f);
    create.setContainers(List.of(c));
    CreateContainerGroupResponse created = client.getAcsResponse(create);
    String id = created.getContainerGroupId();
    assertThat(id).startsWith("eci-");

    DescribeContainerGroupsResponse.ContainerGroup group = await(() -> {
      try {
        DescribeContainerGroupsRequest d = new DescribeContainerGroupsRequest();
        legacy(d);
        d.setContainerGroupIds("[\"" + id + "\"]");
        List<DescribeContainerGroupsResponse.ContainerGroup> list = client.getAcsResponse(d).getContainerGroups();
        return list.size() == 1 && "Running".equals(list.get(0).getStatus()) ? list.get(0) : null;
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }, "legacy group " + id + " Running");
    assertThat(group.getContainerGroupName()).isEqualTo(name);
    assertThat(group.getContainers()).hasSize(1);
    assertThat(group.getContainers().get(0).getCurrentState().getState()).isEqualTo("Running");
    assertThat(httpGet("http://" + group.getIntranetIp() + ":8080/")).isEqualTo("hello from legacy é\n");

    DeleteContainerGroupRequest delete = new DeleteContainerGroupRequest();
    legacy(delete);
    delete.setContainerGroupId(id);
    client.getAcsResponse(delete);
    awaitNoContainers(id);
  }

  @Test
  void killNineAndRestartLosesNothingAndDuplicatesNothing() throws Exception {
    var client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
    String id = (String) EciClients.call(client, "CreateContainerGroup",
        createQuery("e2e-restart-" + shortId(), "survivor")).get("ContainerGroupId");
    Map<String, Object> before = awaitStatus(client, id, "Running");
    List<String> containersBefore = containerIds(id);

    server.kill9();
    server.start();

    Map<String, Object> after = awaitStatus(client, id, "Running");
    assertThat(after.get("IntranetIp")).isEqualTo(before.get("IntranetIp"));
    @SuppressWarnings("unchecked")
    Map<String, Object> web = ((List<Map<String, Object>>) after.get("Containers")).get(0);
    assertThat(((Number) web.get("RestartCount")).intValue()).isZero();
    // The restarted server has synced the adopted group (its startup relist wakes every group) and
    // has nothing left to do: had it started anything twice, it would be there now.
    awaitSyncsSettled(server.endpoint(), 0);
    assertThat(containerIds(id)).containsExactlyInAnyOrderElementsOf(containersBefore);
    assertThat(httpGet("http://" + after.get("IntranetIp") + ":8080/")).isEqualTo("hello from survivor\n");

    EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
    awaitNoContainers(id);
  }

  @Test
  void otherAccountsNeverSeeAGroup() throws Exception {
    var owner = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
    String id = (String) EciClients.call(owner, "CreateContainerGroup",
        createQuery("e2e-private-" + shortId(), "private")).get("ContainerGroupId");
    Map<String, String> other = createAccessKey("other-account");
    var stranger = EciClients.tea(server.endpoint(), other.get("OPENECI_ACCESS_KEY_ID"),
        other.get("OPENECI_ACCESS_KEY_SECRET"), false);

    assertThat(describe(stranger, id)).isEmpty();
    assertThatThrownBy(() -> EciClients.call(stranger, "DeleteContainerGroup",
        Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id)))
        .isInstanceOfSatisfying(TeaException.class, e -> {
          assertThat(e.getCode()).isEqualTo("InvalidParameter.NotFound");
          assertThat(e.getStatusCode()).isEqualTo(404);
        });
    assertThat(describe(owner, id)).hasSize(1);

    EciClients.call(owner, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
    awaitNoContainers(id);
  }

  @Test
  void wrongSecretIsRejectedBeforeAnythingIsCreated() throws Exception {
    var client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, "not-the-secret", false);
    String name = "e2e-forged-" + shortId();
    assertThatThrownBy(() -> EciClients.call(client, "CreateContainerGroup", createQuery(name, "x")))
        .isInstanceOfSatisfying(TeaException.class, e -> {
          assertThat(e.getCode()).isEqualTo("SignatureDoesNotMatch");
          assertThat(e.getStatusCode()).isEqualTo(400);
          assertThat(e.getMessage()).doesNotContain("not-the-secret");
        });
    var good = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
    Map<String, Object> q = new LinkedHashMap<>(Map.of("RegionId", "cn-hangzhou", "ContainerGroupName", name));
    assertThat(asList(EciClients.call(good, "DescribeContainerGroups", q).get("ContainerGroups"))).isEmpty();
  }

  /** Raw HTTP, signed here with V1: replays, clock skew and unknown actions get their codes. */
  @Test
  void protocolErrorsOverHttp() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    String fresh = RawV1.sign(Map.of("Action", "DescribeContainerGroups", "RegionId", "cn-hangzhou"),
        ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, now, "nonce-" + shortId());
    assertThat(RawV1.send(http, server.endpoint(), fresh)).startsWith("200 ");
    assertThat(RawV1.send(http, server.endpoint(), fresh)).startsWith("400 SignatureNonceUsed");
    assertThat(RawV1.send(http, server.endpoint(), RawV1.sign(Map.of("Action", "DescribeContainerGroups"),
        ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, now.minusSeconds(16 * 60), "n-" + shortId())))
        .startsWith("400 InvalidTimeStamp.Expired");
    assertThat(RawV1.send(http, server.endpoint(), RawV1.sign(Map.of("Action", "LaunchRocket"),
        ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, now, "n-" + shortId())))
        .startsWith("404 InvalidAction.NotFound");
    assertThat(RawV1.send(http, server.endpoint(), RawV1.sign(Map.of("Action", "DescribeContainerGroups"),
        "LTAIunknown", "whatever", now, "n-" + shortId()))).startsWith("404 InvalidAccessKeyId.NotFound");
    assertThat(RawV1.send(http, server.endpoint(), RawV1.sign(Map.of("Action", "DescribeContainerGroups"),
        ServerProcess.ACCESS_KEY_ID, "wrong-secret", now, "n-" + shortId()))).startsWith("400 SignatureDoesNotMatch");
  }

  // --- helpers ----------------------------------------------------------------------------------

  private Map<String, String> createAccessKey(String account) throws Exception {
    return server.createAccessKey(account);
  }

  /** {@code openeci accesskey create --account ACCOUNT} on a data directory; its KEY=VALUE lines. */
  static Map<String, String> createAccessKeyIn(Path dataDir, String account) throws Exception {
    Path jar = Path.of("target/openeci.jar").toAbsolutePath();
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        jar.toString(), "accesskey", "create", "--account", account, "--data-dir", dataDir.toString())
        .redirectErrorStream(false).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).isZero();
    Map<String, String> kv = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) kv.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
    }
    return kv;
  }

  private static void legacy(com.aliyuncs.RpcAcsRequest<?> r) {
    r.setSysEndpoint(server.endpoint());
    r.setSysProtocol(ProtocolType.HTTP);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> asList(Object o) {
    return (List<Map<String, Object>>) o;
  }

  static List<Map<String, Object>> describe(com.aliyun.teaopenapi.Client client, String id) throws Exception {
    Map<String, Object> body = EciClients.call(client, "DescribeContainerGroups",
        Map.of("RegionId", "cn-hangzhou", "ContainerGroupIds", "[\"" + id + "\"]"));
    return asList(body.get("ContainerGroups"));
  }

  static Map<String, Object> awaitStatus(com.aliyun.teaopenapi.Client client, String id, String status) {
    return await(() -> {
      try {
        List<Map<String, Object>> groups = describe(client, id);
        return groups.size() == 1 && status.equals(groups.get(0).get("Status")) ? groups.get(0) : null;
      } catch (com.aliyun.tea.TeaUnretryableException e) {
        return null; // the server is restarting
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }, id + " " + status);
  }

  static <T> T await(Supplier<T> probe, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      T v = probe.get();
      if (v != null) return v;
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
    throw new AssertionError("timed out waiting for " + what + (server == null ? "" : "\nserver log:\n" + server.logText()));
  }

  /**
   * Polls DescribeContainerGroups for one group until {@code condition} holds; on timeout the
   * error carries the last Describe and {@code log} (e.g. the server's log).
   */
  static Map<String, Object> awaitGroup(com.aliyun.teaopenapi.Client client, String id,
      java.util.function.Predicate<Map<String, Object>> condition, String what, Supplier<String> log) {
    Object[] last = new Object[1];
    try {
      return await(() -> {
        try {
          List<Map<String, Object>> l = describe(client, id);
          if (l.isEmpty()) return null;
          last[0] = l.get(0);
          return condition.test(l.get(0)) ? l.get(0) : null;
        } catch (Exception e) {
          return null;
        }
      }, what + " (" + id + ")");
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\nlast Describe: " + last[0] + "\n" + log.get(), e);
    }
  }

  /**
   * Waits until the server at {@code endpoint} has finished more than {@code passesBefore} sync
   * passes and no group is waiting for or in a sync (its /metrics: openeci_sync_pass_seconds_count,
   * openeci_sync_queue_depth, openeci_sync_running). A group woken before this call has then been
   * synced after the wake: a wake during a pass queues another one.
   */
  static void awaitSyncsSettled(String endpoint, double passesBefore) {
    double[] last = new double[3];
    try {
      await(() -> {
        Map<String, Double> m = metrics(endpoint);
        last[0] = m.getOrDefault("openeci_sync_pass_seconds_count", 0.0);
        last[1] = m.getOrDefault("openeci_sync_queue_depth", -1.0);
        last[2] = m.getOrDefault("openeci_sync_running", -1.0);
        return last[0] > passesBefore && last[1] == 0 && last[2] == 0 ? Boolean.TRUE : null;
      }, "sync passes > " + passesBefore + " and an idle sync queue at " + endpoint);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\nlast: passes " + last[0] + ", queue " + last[1] + ", running "
          + last[2], e);
    }
  }

  /** Sync passes the server at {@code endpoint} has finished so far (all outcomes). */
  static double syncPasses(String endpoint) {
    return metrics(endpoint).getOrDefault("openeci_sync_pass_seconds_count", 0.0);
  }

  /** The server's /metrics, each metric name with the sum of its samples over every label set. */
  static Map<String, Double> metrics(String endpoint) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://" + endpoint + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) throw new AssertionError("/metrics: HTTP " + r.statusCode());
      Map<String, Double> out = new java.util.HashMap<>();
      for (String line : r.body().split("\n")) {
        if (line.isBlank() || line.startsWith("#")) continue;
        int end = line.indexOf('{');
        int space = line.lastIndexOf(' ');
        if (end < 0 || end > space) end = line.indexOf(' ');
        if (end <= 0 || space <= 0) continue;
        out.merge(line.substring(0, end), Double.parseDouble(line.substring(space + 1)), Double::sum);
      }
      return out;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  /** What the backend holds for the group: engine container ids, or the uids of its Pod and objects. */
  static List<String> containerIds(String groupId) {
    return backend.objects(groupId);
  }

  static void awaitNoContainers(String groupId) {
    await(() -> containerIds(groupId).isEmpty() ? Boolean.TRUE : null,
        backend.name().toLowerCase() + " backend to hold nothing of " + groupId);
  }

  static String httpGet(String url) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Exception last = null;
    for (int i = 0; i < 50; i++) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) return r.body();
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no HTTP 200 from " + url, last);
  }

  static String shortId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  static boolean exists(Path p) {
    return Files.exists(p);
  }
}
