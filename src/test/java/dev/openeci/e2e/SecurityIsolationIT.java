package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aliyun.tea.TeaException;
import dev.openeci.runtime.Labels;
import dev.openeci.testing.TestEngine;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 on a real engine with default serve flags: capability escalation (finding 4) is refused
 * and what is allowed is exactly what the container gets (CapEff); groups of one account reach
 * each other, another account's group cannot (finding 8, one network per account).
 */
class SecurityIsolationIT {
  static final String SLEEP = "trap 'exit 0' TERM; sleep 3600 & wait";

  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client a;
  static com.aliyun.teaopenapi.Client b;
  static String image;
  static String otherSecret;
  final List<Object[]> created = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    image = TestEngine.busyboxImage();
    server = new ServerProcess(dataDir, TestEngine.endpoint()).withArgs("--publish-address", "127.0.0.1").start();
    SdkEndToEndIT.server = server;
    SdkEndToEndIT.engine = TestEngine.runtime();
    a = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
    Map<String, String> other = accessKey(dataDir, "other-account");
    otherSecret = other.get("OPENECI_ACCESS_KEY_SECRET");
    b = EciClients.tea(server.endpoint(), other.get("OPENECI_ACCESS_KEY_ID"), otherSecret, false);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
  }

  @AfterEach
  void deleteGroups() {
    for (Object[] c : created) {
      try {
        EciClients.call((com.aliyun.teaopenapi.Client) c[0], "DeleteContainerGroup",
            Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", c[1]));
      } catch (Exception e) {
        // already gone
      }
    }
    for (Object[] c : created) SdkEndToEndIT.awaitNoContainers((String) c[1]);
    created.clear();
  }

  @Test
  void capabilityEscalationIsRefusedAndTheAllowListIsWhatTheContainerGets() throws Exception {
    for (String cap : List.of("SYS_ADMIN", "ALL", "cap_sys_module", "DAC_READ_SEARCH", "BPF", "Sys_Ptrace")) {
      Map<String, Object> q = group("cap");
      container(q, 1, "app", SLEEP);
      q.put("Container.1.SecurityContext.Capability.Add.1", cap);
      assertThatThrownBy(() -> EciClients.call(a, "CreateContainerGroup", q)).as(cap)
          .isInstanceOfSatisfying(TeaException.class, e -> {
            assertThat(e.getCode()).isEqualTo("Forbidden.Capability");
            assertThat(e.getStatusCode()).isEqualTo(403);
          });
    }
    Map<String, Object> q = group("cap");
    container(q, 1, "app", SLEEP);
    q.put("Container.1.SecurityContext.Capability.Add.1", "NET_ADMIN");
    q.put("Container.1.SecurityContext.Capability.Add.2", "cap_net_raw");
    container(q, 2, "plain", SLEEP);
    String id = create(a, q);
    SdkEndToEndIT.awaitStatus(a, id, "Running");
    long eff = caps(exec(a, id, "app", "grep CapEff /proc/self/status"));
    assertThat(eff & bit(12)).as("CAP_NET_ADMIN").isNotZero();
    assertThat(eff & bit(13)).as("CAP_NET_RAW").isNotZero();
    long plain = caps(exec(a, id, "plain", "grep CapEff /proc/self/status"));
    for (long[] c : new long[][] {{21}, {16}, {2}, {39}, {19}, {17}}) { // SYS_ADMIN, SYS_MODULE, DAC_READ_SEARCH, BPF, SYS_PTRACE, SYS_RAWIO
      assertThat(eff & bit((int) c[0])).as("cap %d", c[0]).isZero();
      assertThat(plain & bit((int) c[0])).as("cap %d", c[0]).isZero();
    }
    assertThat(plain & bit(12)).as("no NET_ADMIN unless asked").isZero();
  }

  @Test
  void groupsOfOneAccountReachEachOtherAndNotAnotherAccounts() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Map<String, Object> web = group("web");
    container(web, 1, "httpd", "mkdir -p /www && echo hello-from-a > /www/index.html && exec httpd -f -p " + port
        + " -h /www");
    web.put("Container.1.Port.1.Port", port);
    web.put("AutoCreateEip", true);
    String webId = create(a, web);
    Map<String, Object> peer = group("peer");
    container(peer, 1, "app", SLEEP);
    String peerId = create(a, peer);
    Map<String, Object> stranger = group("stranger");
    container(stranger, 1, "app", SLEEP);
    String strangerId = create(b, stranger);

    Map<String, Object> described = SdkEndToEndIT.awaitStatus(a, webId, "Running");
    SdkEndToEndIT.awaitStatus(a, peerId, "Running");
    SdkEndToEndIT.awaitStatus(b, strangerId, "Running");
    String ip = (String) described.get("IntranetIp");
    assertThat(ip).matches("\\d+\\.\\d+\\.\\d+\\.\\d+");

    // Same account: reachable at the IntranetIp Describe reports.
    String get = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 " + ip + " " + port + " 2>&1; echo exit=$?";
    assertThat(exec(a, peerId, "app", get)).contains("hello-from-a").contains("exit=0");
    // Another account: the connection fails, quickly.
    long t0 = System.nanoTime();
    String out = exec(b, strangerId, "app", get);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(out).doesNotContain("hello-from-a").contains("exit=1");
    assertThat(ms).as("refused within the nc timeout").isLessThan(15_000);
    // The published port still answers on the publish address.
    assertThat(SdkEndToEndIT.httpGet("http://127.0.0.1:" + port + "/")).isEqualTo("hello-from-a\n");

    // Two networks of this server, one per account; the other account's goes with its last group.
    String owner = java.nio.file.Files.readString(dataDir.resolve("instance-id")).trim();
    List<String> nets = networks(owner);
    assertThat(nets).hasSize(2);
    EciClients.call(b, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", strangerId));
    SdkEndToEndIT.awaitNoContainers(strangerId);
    SdkEndToEndIT.await(() -> networks(owner).size() == 1 ? Boolean.TRUE : null, "the other account's network to go");
  }

  @Test
  void secretsAreSealedAtRestAndEverythingWorksAfterARestart() throws Exception {
    String password = "reg-pass-" + SdkEndToEndIT.shortId();
    String hidden = "hidden-" + SdkEndToEndIT.shortId();
    Map<String, Object> q = group("sealed");
    container(q, 1, "app", SLEEP);
    q.put("Container.1.EnvironmentVarHide", true);
    q.put("Container.1.EnvironmentVar.1.Key", "TOKEN");
    q.put("Container.1.EnvironmentVar.1.Value", hidden);
    q.put("ImageRegistryCredential.1.Server", "registry.example.com");
    q.put("ImageRegistryCredential.1.UserName", "deploy");
    q.put("ImageRegistryCredential.1.Password", password);
    String id = create(a, q);
    SdkEndToEndIT.awaitStatus(a, id, "Running");
    String raw = rawDatabase(dataDir);
    assertThat(raw).contains("enc1:").doesNotContain(password).doesNotContain(hidden)
        .doesNotContain(ServerProcess.ACCESS_KEY_SECRET).doesNotContain(otherSecret);
    assertThat(java.nio.file.Files.getPosixFilePermissions(dataDir.resolve("secret.key")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertThat(java.nio.file.Files.getPosixFilePermissions(dataDir.resolve("instance-id")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

    server.kill9();
    server.start();
    // Both accounts' signed requests still verify (their secrets are read back through the key) ...
    SdkEndToEndIT.awaitStatus(a, id, "Running");
    assertThat(EciClients.call(b, "DescribeContainerGroups", Map.of("RegionId", "cn-hangzhou"))).isNotNull();
    // ... and the container still has its environment value.
    assertThat(exec(a, id, "app", "echo \"$TOKEN\"")).isEqualTo(hidden + "\n");
    assertThat(rawDatabase(dataDir)).doesNotContain(password).doesNotContain(hidden);
  }

  @Test
  void aGroupStoredUnderAWiderPolicyGetsNoEscalatedCapabilityAfterTheFlagIsGone(@TempDir Path dir) throws Exception {
    String id;
    try (ServerProcess wide = new ServerProcess(dir, TestEngine.endpoint()).withArgs("--allow-capabilities",
        "SYS_ADMIN").start()) {
      com.aliyun.teaopenapi.Client c = EciClients.tea(wide.endpoint(), ServerProcess.ACCESS_KEY_ID,
          ServerProcess.ACCESS_KEY_SECRET, false);
      Map<String, Object> q = group("wide");
      container(q, 1, "app", SLEEP);
      q.put("Container.1.SecurityContext.Capability.Add.1", "SYS_ADMIN");
      id = (String) EciClients.call(c, "CreateContainerGroup", q).get("ContainerGroupId");
      SdkEndToEndIT.awaitStatus(c, id, "Running");
      assertThat(caps(exec(c, id, "app", "grep CapEff /proc/self/status")) & bit(21)).as("allowed by the flag")
          .isNotZero();
    } // stops the server and removes its containers: the record stays in the database
    try (ServerProcess narrow = new ServerProcess(dir, TestEngine.endpoint()).start()) {
      com.aliyun.teaopenapi.Client c = EciClients.tea(narrow.endpoint(), ServerProcess.ACCESS_KEY_ID,
          ServerProcess.ACCESS_KEY_SECRET, false);
      Map<String, Object> waiting = SdkEndToEndIT.awaitGroup(c, id, g -> {
        Map<String, Object> st = PodConfigIT.state(g, "app");
        return "CreateContainerConfigError".equals(st.get("Reason"));
      }, "SYS_ADMIN refused after restart", narrow::logText);
      assertThat((String) PodConfigIT.state(waiting, "app").get("Message")).contains("SYS_ADMIN");
      assertThat(SdkEndToEndIT.containerIds(id)).allSatisfy(cid -> assertThat(
          TestEngine.runtime().inspect(cid).orElseThrow().label(Labels.ROLE)).isEqualTo(Labels.ROLE_SANDBOX));
      EciClients.call(c, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
      SdkEndToEndIT.awaitNoContainers(id);
    }
  }

  /** Every byte SQLite wrote in a data directory (database, write-ahead log, shared memory). */
  static String rawDatabase(Path dataDir) throws java.io.IOException {
    StringBuilder out = new StringBuilder();
    for (String f : List.of("openeci.db", "openeci.db-wal", "openeci.db-shm")) {
      Path p = dataDir.resolve(f);
      if (java.nio.file.Files.exists(p)) {
        out.append(new String(java.nio.file.Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    return out.toString();
  }

  // --- helpers ----------------------------------------------------------------------------------------

  static List<String> networks(String owner) {
    try {
      Process p = new ProcessBuilder("podman", "network", "ls", "--format", "{{.Name}}", "--filter",
          "label=" + Labels.OWNER + "=" + owner).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor();
      return out.lines().filter(l -> !l.isBlank()).toList();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  static long bit(int n) {
    return 1L << n;
  }

  static long caps(String statusLine) {
    return Long.parseUnsignedLong(statusLine.trim().split("\\s+")[1], 16);
  }

  static Map<String, Object> group(String prefix) {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupName", prefix + "-" + SdkEndToEndIT.shortId());
    q.put("TerminationGracePeriodSeconds", 2);
    return q;
  }

  static void container(Map<String, Object> q, int n, String name, String script) {
    String p = "Container." + n + ".";
    q.put(p + "Name", name);
    q.put(p + "Image", image);
    q.put(p + "Command.1", "/bin/sh");
    q.put(p + "Arg.1", "-c");
    q.put(p + "Arg.2", script);
  }

  String create(com.aliyun.teaopenapi.Client client, Map<String, Object> q) throws Exception {
    String id = (String) EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");
    created.add(new Object[] {client, id});
    return id;
  }

  static String exec(com.aliyun.teaopenapi.Client client, String id, String container, String script) throws Exception {
    String command = new com.fasterxml.jackson.databind.ObjectMapper()
        .writeValueAsString(List.of("/bin/sh", "-c", script));
    Map<String, Object> r = EciClients.call(client, "ExecContainerCommand", Map.of("RegionId", "cn-hangzhou",
        "ContainerGroupId", id, "ContainerName", container, "Command", command, "Sync", "true"));
    return (String) r.get("SyncResponse");
  }

  static Map<String, String> accessKey(Path dataDir, String account) throws Exception {
    Path jar = Path.of("target/openeci.jar").toAbsolutePath();
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        jar.toString(), "accesskey", "create", "--account", account, "--data-dir", dataDir.toString()).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).isZero();
    Map<String, String> kv = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) kv.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
    }
    return kv;
  }
}
