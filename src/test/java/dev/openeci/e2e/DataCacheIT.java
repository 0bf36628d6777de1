package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aliyun.tea.TeaException;
import com.sun.net.httpserver.HttpServer;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.docker.DockerRuntime;
import dev.openeci.testing.TestEngine;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data caches through the official client on the local engine (docs/data-caches.md): a cache filled
 * once from a URL served by this test (which counts requests) and one from an allowed host path;
 * groups mount them read-only through DataCacheBucket + HostPathVolume and read the data without a
 * second download; another account sees none of it. Also the coredump ops task's effect on the
 * container's processes, and the virtual node actions' error.
 */
class DataCacheIT {
  @TempDir
  static Path dataDir;
  @TempDir
  static Path sourceDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;
  static DockerRuntime engine;
  static HttpServer http;
  static String image;
  static final AtomicInteger downloads = new AtomicInteger();
  static final String CONTENT = "weights-" + SdkEndToEndIT.shortId();
  static final List<String> groups = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    engine = TestEngine.runtime();
    image = TestEngine.busyboxImage();
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/model.txt", ex -> {
      downloads.incrementAndGet();
      byte[] b = CONTENT.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    http.start();
    Files.createDirectories(sourceDir.resolve("dataset/part"));
    Files.writeString(sourceDir.resolve("dataset/part/rows.csv"), "a,b\n");
    Files.createSymbolicLink(sourceDir.resolve("dataset/escape"), Path.of("/etc"));
    server = new ServerProcess(dataDir, TestEngine.endpoint()).withArgs("--data-cache-url-host", "127.0.0.1",
        "--data-cache-source-path", sourceDir.toString()).start();
    client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (client != null) {
        for (String g : groups) {
          try {
            EciClients.call(client, "DeleteContainerGroup", q("ContainerGroupId", g));
          } catch (Exception ignored) {
            // already gone
          }
        }
        for (String g : groups) {
          SdkEndToEndIT.await(() -> engine.list(Map.of(Labels.GROUP_ID, g)).isEmpty() ? Boolean.TRUE : null,
              "no container of " + g);
        }
      }
    } finally {
      if (server != null) server.close();
      if (http != null) http.stop(0);
    }
  }

  static Map<String, Object> q(String... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("RegionId", "cn-hangzhou");
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  static List<Map<String, Object>> describe(com.aliyun.teaopenapi.Client c, String id) throws Exception {
    return SdkEndToEndIT.asList(EciClients.call(c, "DescribeDataCaches", q("DataCacheId.1", id)).get("DataCaches"));
  }

  static Map<String, Object> awaitCache(String id, String status) {
    return SdkEndToEndIT.await(() -> {
      try {
        List<Map<String, Object>> l = describe(client, id);
        return l.size() == 1 && status.equals(l.get(0).get("Status")) ? l.get(0) : null;
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }, "data cache " + id + " " + status + "\n" + server.logText());
  }

  static String group(String name, String policy, String bucket, String cachePath, String script) throws Exception {
    Map<String, Object> m = q("ContainerGroupName", name + "-" + SdkEndToEndIT.shortId(), "RestartPolicy", policy,
        "DataCacheBucket", bucket, "Volume.1.Name", "data", "Volume.1.Type", "HostPathVolume",
        "Volume.1.HostPathVolume.Path", cachePath, "Container.1.Name", "app", "Container.1.Image", image,
        "Container.1.ImagePullPolicy", "IfNotPresent", "Container.1.Command.1", "/bin/sh", "Container.1.Arg.1", "-c",
        "Container.1.Arg.2", script, "Container.1.VolumeMount.1.Name", "data", "Container.1.VolumeMount.1.MountPath",
        "/data");
    String id = (String) EciClients.call(client, "CreateContainerGroup", m).get("ContainerGroupId");
    groups.add(id);
    return id;
  }

  static String output(String id) throws Exception {
    SdkEndToEndIT.awaitStatus(client, id, "Succeeded");
    return (String) EciClients.call(client, "DescribeContainerLog", q("ContainerGroupId", id, "ContainerName", "app"))
        .get("Content");
  }

  @Test
  void urlCacheIsDownloadedOnceAndMountedReadOnly() throws Exception {
    String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/model.txt";
    String id = (String) EciClients.call(client, "CreateDataCache", q("Bucket", "models", "Path", "/llm/demo",
        "Name", "demo", "Size", "1", "DataSource.Type", "URL", "DataSource.Options.url", url)).get("DataCacheId");
    assertThat(id).matches("edc-[a-z0-9]{20}");
    Map<String, Object> ready = awaitCache(id, "Available");
    assertThat(ready.get("Bucket")).isEqualTo("models");
    assertThat(ready.get("Path")).isEqualTo("/llm/demo");
    assertThat(ready.get("Progress")).isEqualTo("100%");
    assertThat(downloads).hasValue(1);

    String script = "echo \"$(cat /data/model.txt)\"; (echo x > /data/new) 2>/dev/null && echo WRITABLE || echo READONLY";
    String first = group("dc", "Never", "models", "/llm/demo", script);
    String second = group("dc2", "Never", "models", "/llm/demo/", script);
    assertThat(output(first)).isEqualTo(CONTENT + "\nREADONLY\n");
    assertThat(output(second)).isEqualTo(CONTENT + "\nREADONLY\n");
    assertThat(downloads).as("groups read the cache, nothing is downloaded again").hasValue(1);
    assertThat(awaitCache(id, "Available").get("LastMatchedTime")).isNotNull();

    // Errors: an unknown bucket or path, a path already taken, another account's view.
    // a path that names no cache of the bucket stays a host path, which this server does not allow
    assertThatThrownBy(() -> group("nope", "Never", "other", "/llm/demo", "true"))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("Forbidden.HostPath"));
    assertThatThrownBy(() -> EciClients.call(client, "CreateDataCache", q("Bucket", "models", "Path", "/llm/demo",
        "DataSource.Type", "URL", "DataSource.Options.url", url)))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("DataCache.AlreadyExists"));
    Map<String, String> other = server.createAccessKey("acct-other");
    com.aliyun.teaopenapi.Client otherClient = EciClients.tea(server.endpoint(), other.get("OPENECI_ACCESS_KEY_ID"),
        other.get("OPENECI_ACCESS_KEY_SECRET"), false);
    assertThat(describe(otherClient, id)).isEmpty();
    assertThatThrownBy(() -> EciClients.call(otherClient, "DeleteDataCache", q("DataCacheId", id)))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("DataCache.NotFound"));

    // Copy to another bucket: the data is copied locally, not downloaded again.
    String copy = (String) EciClients.call(client, "CopyDataCache", q("DataCacheId", id, "Bucket", "backup",
        "Path", "/llm/demo")).get("DataCacheId");
    awaitCache(copy, "Available");
    assertThat(output(group("copy", "Never", "backup", "/llm/demo", "echo \"$(cat /data/model.txt)\""))).isEqualTo(CONTENT + "\n");
    assertThat(downloads).hasValue(1);

    EciClients.call(client, "DeleteDataCache", q("DataCacheId", copy));
    assertThat(describe(client, copy)).isEmpty();
  }

  @Test
  void hostPathCacheCopiesWithoutLinks() throws Exception {
    String id = (String) EciClients.call(client, "CreateDataCache", q("Path", "/datasets/rows", "DataSource.Type",
        "HostPath", "DataSource.Options.path", sourceDir.resolve("dataset").toString())).get("DataCacheId");
    awaitCache(id, "Available");
    assertThat(output(group("hp", "Never", "default", "/datasets/rows",
        "cat /data/part/rows.csv; ls /data"))).isEqualTo("a,b\npart\n");
    assertThatThrownBy(() -> EciClients.call(client, "CreateDataCache", q("Path", "/etc-copy", "DataSource.Type",
        "HostPath", "DataSource.Options.path", "/etc")))
        .isInstanceOfSatisfying(TeaException.class, e -> {
          assertThat(e.getCode()).isEqualTo("Forbidden.DataCacheSource");
          assertThat(e.getStatusCode()).isEqualTo(403);
        });
  }

  @Test
  void coredumpTaskChangesTheLimitOfTheRunningProcesses() throws Exception {
    String id = (String) EciClients.call(client, "CreateContainerGroup", q("ContainerGroupName",
        "ops-" + SdkEndToEndIT.shortId(), "RestartPolicy", "Always", "Container.1.Name", "app", "Container.1.Image",
        image, "Container.1.ImagePullPolicy", "IfNotPresent", "Container.1.Command.1", "/bin/sh",
        "Container.1.Arg.1", "-c", "Container.1.Arg.2", "sleep 3600")).get("ContainerGroupId");
    groups.add(id);
    SdkEndToEndIT.awaitStatus(client, id, "Running");
    RuntimeContainer app = engine.list(Map.of(Labels.GROUP_ID, id)).stream()
        .filter(c -> Labels.ROLE_APP.equals(c.label(Labels.ROLE)) && c.running()).findFirst().orElseThrow();
    long pid = engine.pid(app.id()).orElseThrow();

    assertThat(EciClients.call(client, "CreateInstanceOpsTask", q("ContainerGroupId", id, "OpsType", "coredump",
        "OpsValue", "disable")).get("Result")).asString().contains("successfully");
    assertThat(coreLimit(pid)).startsWith("0 ");
    EciClients.call(client, "CreateInstanceOpsTask", q("ContainerGroupId", id, "OpsType", "coredump",
        "OpsValue", "enable"));
    assertThat(coreLimit(pid)).isEqualTo("unlimited unlimited");
    List<Map<String, Object>> records = SdkEndToEndIT.asList(EciClients.call(client, "DescribeInstanceOpsRecords",
        q("ContainerGroupId", id, "OpsType", "coredump")).get("Records"));
    assertThat(records).hasSize(2);
    assertThat(records.get(0).get("OpsStatus")).isEqualTo("Ready");
    assertThat((String) records.get(0).get("ResultContent")).contains("enabled");

    assertThatThrownBy(() -> EciClients.call(client, "CreateInstanceOpsTask", q("ContainerGroupId", id,
        "OpsType", "tcpdump", "OpsValue", "{\"Enable\":true}")))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("Ops.TypeNotSupport"));
  }

  /** Soft and hard "Max core file size" of a host process. */
  static String coreLimit(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
      if (line.startsWith("Max core file size")) {
        String[] parts = line.substring("Max core file size".length()).trim().split("\\s+");
        return parts[0] + " " + parts[1];
      }
    }
    throw new AssertionError("no core limit for " + pid);
  }

  @Test
  void virtualNodesAnswerThatTheyNeedACluster() throws Exception {
    assertThatThrownBy(() -> EciClients.call(client, "CreateVirtualNode", q("SecurityGroupId", "sg-1",
        "VSwitchId", "vsw-1", "KubeConfig", "apiVersion: v1")))
        .isInstanceOfSatisfying(TeaException.class, e -> {
          assertThat(e.getCode()).isEqualTo("UnsupportedOperation.VirtualNode");
          assertThat(e.getMessage()).contains("Kubernetes");
        });
    assertThatThrownBy(() -> EciClients.call(client, "DeleteVirtualNode", q()))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("MissingParameter"));
    for (String action : List.of("DescribeVirtualNodes", "UpdateVirtualNode")) {
      assertThatThrownBy(() -> EciClients.call(client, action, q("VirtualNodeId", "vnd-1")))
          .isInstanceOfSatisfying(TeaException.class,
              e -> assertThat(e.getCode()).isEqualTo("UnsupportedOperation.VirtualNode"));
    }
  }
}
