package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aliyun.tea.TeaException;
import dev.openeci.testing.TestEngine;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DescribeContainerLog and synchronous ExecContainerCommand through the official client. */
@ParameterizedClass(name = "{0} backend")
@MethodSource("dev.openeci.e2e.TestBackend#enabled")
class LogsAndExecIT {
  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;

  static TestBackend backend;

  @Parameter
  TestBackend thisBackend;

  @BeforeParameterizedClassInvocation
  static void start(TestBackend b) throws Exception {
    backend = b;
    b.busybox();
    server = b.server(dataDir.resolve(b.name().toLowerCase())).start();
    client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
  }

  @AfterParameterizedClassInvocation
  static void stop() throws Exception {
    if (server != null) server.close();
    server = null;
  }

  static Map<String, Object> q(String... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("RegionId", "cn-hangzhou");
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  @Test
  @SuppressWarnings("unchecked")
  void logsOfCurrentAndPreviousInstanceAndSyncExec() throws Exception {
    Map<String, Object> create = q("ContainerGroupName", "logs-" + SdkEndToEndIT.shortId(), "RestartPolicy", "Always");
    create.put("Container.1.Name", "counter");
    create.put("Container.1.Image", backend.busybox());
    create.put("Container.1.Command.1", "/bin/sh");
    create.put("Container.1.Arg.1", "-c");
    // Every run prints five lines and fails: the previous instance's log is known exactly.
    create.put("Container.1.Arg.2", "for i in 1 2 3 4 5; do echo line$i; done; sleep 1; exit 3");
    create.put("Container.1.EnvironmentVar.1.Key", "GREETING");
    create.put("Container.1.EnvironmentVar.1.Value", "hi");
    String id = (String) EciClients.call(client, "CreateContainerGroup", create).get("ContainerGroupId");

    // Wait until the container has been restarted at least once (first instance exited 3).
    Map<String, Object> g = SdkEndToEndIT.await(() -> {
      try {
        Map<String, Object> x = SdkEndToEndIT.describe(client, id).get(0);
        Map<String, Object> c = ((List<Map<String, Object>>) x.get("Containers")).get(0);
        return ((Number) c.get("RestartCount")).intValue() >= 1 ? x : null;
      } catch (Exception e) {
        return null;
      }
    }, "a restart of " + id);
    Map<String, Object> c = ((List<Map<String, Object>>) g.get("Containers")).get(0);
    Map<String, Object> previous = (Map<String, Object>) c.get("PreviousState");
    assertThat(previous.get("State")).isEqualTo("Terminated");
    assertThat(((Number) previous.get("ExitCode")).intValue()).isEqualTo(3);
    assertThat(previous.get("Reason")).isEqualTo("Error");

    Map<String, Object> last = EciClients.call(client, "DescribeContainerLog",
        q("ContainerGroupId", id, "ContainerName", "counter", "LastTime", "true"));
    assertThat(last.get("ContainerName")).isEqualTo("counter");
    assertThat((String) last.get("Content")).isEqualTo("line1\nline2\nline3\nline4\nline5\n");
    Map<String, Object> tail = EciClients.call(client, "DescribeContainerLog",
        q("ContainerGroupId", id, "ContainerName", "counter", "LastTime", "true", "Tail", "2", "Timestamps", "true"));
    assertThat(((String) tail.get("Content")).lines().toList()).hasSize(2)
        .allSatisfy(l -> assertThat(l).matches("\\d{4}-\\d\\d-\\d\\dT\\S+ line[45]"));
    Map<String, Object> limited = EciClients.call(client, "DescribeContainerLog",
        q("ContainerGroupId", id, "ContainerName", "counter", "LastTime", "true", "LimitBytes", "6"));
    assertThat(limited.get("Content")).isEqualTo("line1\n");
    assertThatThrownBy(() -> EciClients.call(client, "DescribeContainerLog",
        q("ContainerGroupId", id, "ContainerName", "nope")))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("InvalidParameter"));
    assertThatThrownBy(() -> EciClients.call(client, "DescribeContainerLog",
        q("ContainerGroupId", id, "ContainerName", "counter", "Tail", "2001")))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("InvalidParameter"));

    EciClients.call(client, "DeleteContainerGroup", q("ContainerGroupId", id));
  }

  @Test
  void syncExecReturnsTheOutput() throws Exception {
    String id = (String) EciClients.call(client, "CreateContainerGroup",
        SdkEndToEndIT.createQuery("exec-" + SdkEndToEndIT.shortId(), "exec")).get("ContainerGroupId");
    SdkEndToEndIT.awaitStatus(client, id, "Running");
    Map<String, Object> r = EciClients.call(client, "ExecContainerCommand", q("ContainerGroupId", id,
        "ContainerName", "web", "Command", "[\"/bin/sh\",\"-c\",\"echo $GREETING; cat /tmp/www/index.html\"]",
        "Sync", "true"));
    assertThat(r.get("SyncResponse")).isEqualTo("exec\nhello from exec\n");
    assertThatThrownBy(() -> EciClients.call(client, "ExecContainerCommand", q("ContainerGroupId", id,
        "ContainerName", "web", "Command", "not json", "Sync", "true")))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("InvalidParameter"));
    assertThatThrownBy(() -> EciClients.call(client, "ExecContainerCommand", q("ContainerGroupId", id,
        "ContainerName", "web", "Command", "[\"ls\"]", "Sync", "true", "TTY", "true")))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("InvalidParameter"));
    EciClients.call(client, "DeleteContainerGroup", q("ContainerGroupId", id));
  }

  @Test
  void interactiveExecOverWebSocketAndTheCli() throws Exception {
    String id = (String) EciClients.call(client, "CreateContainerGroup",
        SdkEndToEndIT.createQuery("ws-" + SdkEndToEndIT.shortId(), "ws")).get("ContainerGroupId");
    SdkEndToEndIT.awaitStatus(client, id, "Running");
    // Locally the command reads to the end of stdin (the EOF frame below). Kubernetes 1.20's exec
    // protocol (v4.channel.k8s.io) cannot close stdin without a TTY (docs/kubernetes.md), so there
    // the command reads one line.
    String read = backend == TestBackend.LOCAL ? "cat" : "head -n 1";
    Map<String, Object> r = EciClients.call(client, "ExecContainerCommand", q("ContainerGroupId", id,
        "ContainerName", "web", "Command", "[\"/bin/sh\",\"-c\",\"" + read + "; echo done >&2; exit 5\"]"));
    String uri = (String) r.get("WebSocketUri");
    assertThat(uri).startsWith("ws://127.0.0.1:" + server.port + "/exec/?s=");

    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.util.concurrent.CompletableFuture<String> status = new java.util.concurrent.CompletableFuture<>();
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.WebSocket ws;
    try {
      ws = connect(http, uri, out, err, status);
    } catch (RuntimeException e) {
      throw new AssertionError("WebSocket handshake failed; server log:\n" + server.logText(), e);
    }
    java.nio.ByteBuffer hello = java.nio.ByteBuffer.allocate(7);
    hello.put((byte) 0).put("hello\n".getBytes()).flip();
    ws.sendBinary(hello, true).join();
    ws.sendBinary(java.nio.ByteBuffer.wrap(new byte[] {0}), true).join(); // EOF on stdin
    assertThat(status.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("{\"ExitCode\":5}");
    assertThat(out.toString()).isEqualTo("hello\n");
    assertThat(err.toString()).isEqualTo("done\n");

    // The URI works once.
    assertThatThrownBy(() -> http.newWebSocketBuilder().buildAsync(java.net.URI.create(uri),
        new java.net.http.WebSocket.Listener() { }).join()).hasStackTraceContaining("status code 403");

    // ./openeci exec: stdin in, stdout out, the command's exit code out.
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        Path.of("target/openeci.jar").toAbsolutePath().toString(), "exec", "-i", "--endpoint", server.endpoint(), id, "web",
        "/bin/sh", "-c", "read x; echo got:$x; exit 7");
    pb.environment().put("OPENECI_ACCESS_KEY_ID", ServerProcess.ACCESS_KEY_ID);
    pb.environment().put("OPENECI_ACCESS_KEY_SECRET", ServerProcess.ACCESS_KEY_SECRET);
    Process p = pb.start();
    p.getOutputStream().write("abc\n".getBytes());
    p.getOutputStream().close();
    String stdout = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).isEqualTo(7);
    assertThat(stdout).isEqualTo("got:abc\n");
    EciClients.call(client, "DeleteContainerGroup", q("ContainerGroupId", id));
  }

  static java.net.http.WebSocket connect(java.net.http.HttpClient http, String uri, java.io.ByteArrayOutputStream out,
      java.io.ByteArrayOutputStream err, java.util.concurrent.CompletableFuture<String> status) {
    return http.newWebSocketBuilder().buildAsync(java.net.URI.create(uri),
        new java.net.http.WebSocket.Listener() {
          @Override
          public java.util.concurrent.CompletionStage<?> onBinary(java.net.http.WebSocket s, java.nio.ByteBuffer data,
              boolean last) {
            byte channel = data.get();
            byte[] payload = new byte[data.remaining()];
            data.get(payload);
            if (channel == 1) out.writeBytes(payload);
            if (channel == 2) err.writeBytes(payload);
            if (channel == 3) status.complete(new String(payload));
            s.request(1);
            return null;
          }
        }).join();
  }
}
