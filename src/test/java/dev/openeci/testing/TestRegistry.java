package dev.openeci.testing;

import dev.openeci.runtime.docker.DockerRuntime;
import dev.openeci.runtime.docker.RootfsImages;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A private registry for ITs: Debian's {@code docker-registry} (distribution 2.8) on
 * 127.0.0.1:&lt;free port&gt; with its own storage, in one of three modes (plain HTTP; TLS with a
 * self-signed certificate for IP 127.0.0.1; TLS + htpasswd basic auth). {@link #push} copies a
 * local engine image into it with skopeo. {@link #close} stops it and deletes everything.
 * The tools come from {@code scripts/setup-engine.sh --with-registry-tools}.
 */
public final class TestRegistry implements AutoCloseable {
  public enum Mode { PLAIN_HTTP, TLS, TLS_AUTH }

  public static final String USER = "reguser";

  public final Mode mode;
  public final int port;
  /** The password of {@link #USER} (TLS_AUTH only): random per registry, so a test can look for it in logs. */
  public final String password;
  private final Path dir;
  private final Process process;

  private TestRegistry(Mode mode, int port, String password, Path dir, Process process) {
    this.mode = mode;
    this.port = port;
    this.password = password;
    this.dir = dir;
    this.process = process;
  }

  /** host:port, as image references and registry settings name it. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** Fails with the apt package to install when a tool the registry tests need is missing. */
  public static void requireTools() {
    String[][] tools = {{"/usr/bin/docker-registry", "docker-registry"}, {"skopeo", "skopeo"},
        {"htpasswd", "apache2-utils"}, {"openssl", "openssl"}};
    List<String> missing = new ArrayList<>();
    for (String[] t : tools) {
      if (!onPath(t[0])) missing.add(t[0] + " (apt package " + t[1] + ")");
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("registry tests need " + String.join(", ", missing)
          + ": run scripts/setup-engine.sh --with-registry-tools (as root) or apt-get install them");
    }
  }

  private static boolean onPath(String tool) {
    if (tool.startsWith("/")) return Files.isExecutable(Path.of(tool));
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) return true;
    }
    return false;
  }

  public static TestRegistry start(Mode mode) throws Exception {
    requireTools();
    Path dir = Files.createTempDirectory("openeci-registry-");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String password = mode == Mode.TLS_AUTH ? "pw-" + UUID.randomUUID().toString().replace("-", "") : null;
    StringBuilder config = new StringBuilder();
    config.append("version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: ")
        .append(dir.resolve("data")).append("\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:").append(port)
        .append("\n");
    if (mode != Mode.PLAIN_HTTP) {
      run(dir, List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout",
          dir.resolve("reg.key").toString(), "-out", dir.resolve("reg.crt").toString(), "-subj", "/CN=localhost",
          "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"));
      config.append("  tls:\n    certificate: ").append(dir.resolve("reg.crt")).append("\n    key: ")
          .append(dir.resolve("reg.key")).append("\n");
    }
    if (mode == Mode.TLS_AUTH) {
      String line = run(dir, List.of("htpasswd", "-Bbn", USER, password)).trim();
      Files.writeString(dir.resolve("htpasswd"), line + "\n");
      config.append("auth:\n  htpasswd:\n    realm: openeci-test\n    path: ").append(dir.resolve("htpasswd"))
          .append("\n");
    }
    Path yml = dir.resolve("config.yml");
    Files.writeString(yml, config.toString());
    Process p = new ProcessBuilder("/usr/bin/docker-registry", "serve", yml.toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("registry.log").toFile()).start();
    TestRegistry r = new TestRegistry(mode, port, password, dir, p);
    try {
      r.awaitReady();
    } catch (Exception e) {
      r.close();
      throw e;
    }
    return r;
  }

  private void awaitReady() throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(trustAll()).connectTimeout(Duration.ofSeconds(2)).build();
    String url = (mode == Mode.PLAIN_HTTP ? "http://" : "https://") + address() + "/v2/";
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new IllegalStateException("docker-registry exited:\n" + log());
      try {
        int status = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 200 || status == 401) return;
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("docker-registry did not answer " + url + " within 30 s: " + last + "\n" + log());
  }

  private static SSLContext trustAll() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, new SecureRandom());
    return ctx;
  }

  /**
   * Pushes a local engine image to {@code <address>/<repository>} (e.g. {@code openeci/marker:1})
   * and returns that reference. The image travels as a docker-archive saved through the engine API.
   */
  public String push(DockerRuntime engine, String localImage, String repository) throws Exception {
    Path archive = dir.resolve("push-" + UUID.randomUUID() + ".tar");
    engine.saveImage(localImage, archive);
    String target = address() + "/" + repository;
    List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy", "copy", "--quiet",
        "--dest-tls-verify=false"));
    if (password != null) cmd.addAll(List.of("--dest-creds", USER + ":" + password));
    cmd.addAll(List.of("docker-archive:" + archive, "docker://" + target));
    run(dir, cmd);
    Files.deleteIfExists(archive);
    return target;
  }

  /**
   * A test image of its own: the full busybox image plus {@code /marker.txt} holding {@code marker},
   * imported into the engine as {@code reference}. A container that prints the file proves it runs
   * exactly this image.
   */
  public static void importMarkerImage(DockerRuntime engine, String reference, String marker) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(RootfsImages.fullBusybox()));
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        tar.putArchiveEntry(e);
        if (e.isFile()) in.transferTo(tar);
        tar.closeArchiveEntry();
      }
      byte[] content = (marker + "\n").getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry m = new TarArchiveEntry("marker.txt");
      m.setMode(0644);
      m.setSize(content.length);
      tar.putArchiveEntry(m);
      tar.write(content);
      tar.closeArchiveEntry();
    }
    engine.importImage(reference, out.toByteArray());
  }

  public String log() {
    try {
      return Files.readString(dir.resolve("registry.log"));
    } catch (IOException e) {
      return "(no registry log: " + e + ")";
    }
  }

  private static String run(Path dir, List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(cmd.get(0) + " did not finish within 120 s");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IllegalStateException(cmd.get(0) + " failed (exit " + p.exitValue() + "): " + text);
    }
    return text;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
