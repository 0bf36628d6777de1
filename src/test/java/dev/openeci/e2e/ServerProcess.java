package dev.openeci.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * openeci as a real child process ({@code java -jar target/openeci.jar serve}), so tests can kill
 * it with SIGKILL and start it again on the same data directory and port.
 */
final class ServerProcess implements AutoCloseable {
  static final String ACCESS_KEY_ID = "testak";
  static final String ACCESS_KEY_SECRET = "testsecret-e2e-0123456789";

  final Path dataDir;
  final int port;
  final String engine;
  private Process process;
  private final Path log;
  private final List<String> extraArgs = new ArrayList<>();
  private boolean envCredentials = true;

  ServerProcess(Path dataDir, String engine) throws IOException {
    this.dataDir = dataDir;
    this.engine = engine;
    try (ServerSocket s = new ServerSocket(0)) {
      this.port = s.getLocalPort();
    }
    this.log = dataDir.resolve("server.log");
  }

  /** More {@code serve} options (e.g. the pod policy), added to every start. */
  ServerProcess withArgs(String... args) {
    extraArgs.addAll(List.of(args));
    return this;
  }

  /** Starts without OPENECI_ACCESS_KEY_ID/SECRET: the server makes (or loads) admin-credentials itself. */
  ServerProcess withoutEnvCredentials() {
    envCredentials = false;
    return this;
  }

  String endpoint() {
    return "127.0.0.1:" + port;
  }

  ServerProcess start() throws Exception {
    Path jar = Path.of("target/openeci.jar").toAbsolutePath();
    if (!Files.exists(jar)) throw new IllegalStateException(jar + " is missing: run the package phase first");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString(), "serve", "--listen", endpoint(), "--data-dir", dataDir.toString(),
        "--resync-seconds", "5"));
    if (engine != null) cmd.addAll(List.of("--engine", engine)); // null: another backend (TestBackend)
    cmd.addAll(extraArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = pb.environment();
    if (envCredentials) {
      env.put("OPENECI_ACCESS_KEY_ID", ACCESS_KEY_ID);
      env.put("OPENECI_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET);
    } else {
      env.remove("OPENECI_ACCESS_KEY_ID");
      env.remove("OPENECI_ACCESS_KEY_SECRET");
    }
    process = pb.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new IllegalStateException("openeci exited early:\n" + logText());
      try (Socket s = new Socket("127.0.0.1", port)) {
        return this;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("openeci did not listen within 60 s:\n" + logText());
  }

  /** An AccessKey of another account on this data directory, made as an operator does ({@code accesskey create}). */
  Map<String, String> createAccessKey(String account) throws Exception {
    Path jar = Path.of("target/openeci.jar").toAbsolutePath();
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        jar.toString(), "accesskey", "create", "--account", account, "--data-dir", dataDir.toString())
        .redirectErrorStream(false).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) throw new IllegalStateException("accesskey create failed: " + out);
    Map<String, String> kv = new java.util.LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) kv.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
    }
    return kv;
  }

  /** SIGKILL, no shutdown hook runs. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  String logText() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(cannot read log: " + e + ")";
    }
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }
    if (engine != null) {
      dev.openeci.testing.TestEngine.removeLeftovers(dataDir);
    } else {
      TestBackend.KUBERNETES.removeLeftovers(dataDir);
    }
  }
}
