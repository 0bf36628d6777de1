package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.openeci.testing.TestEngine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every CLI command ({@code java -jar target/openeci.jar <cmd>}, as {@code ./openeci <cmd>} runs
 * it) against a real server process and the real engine (docs/cli.md).
 */
class CliIT {
  @TempDir
  static Path dataDir;
  @TempDir
  static Path home;
  static ServerProcess server;
  static String image;
  static final ObjectMapper JSON = new ObjectMapper();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @BeforeAll
  static void start() throws Exception {
    image = TestEngine.busyboxImage();
    server = new ServerProcess(dataDir, TestEngine.endpoint()).start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
  }

  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  static List<String> javaCmd(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target/openeci.jar").toAbsolutePath().toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("OPENECI_ENDPOINT", server.endpoint());
    env.put("OPENECI_ACCESS_KEY_ID", ServerProcess.ACCESS_KEY_ID);
    env.put("OPENECI_ACCESS_KEY_SECRET", ServerProcess.ACCESS_KEY_SECRET);
    env.put("OPENECI_CONFIG", home.resolve("config.json").toString());
    return env;
  }

  static ProcessBuilder builder(Map<String, String> env, String... args) {
    ProcessBuilder pb = new ProcessBuilder(javaCmd(args));
    pb.environment().remove("OPENECI_ENDPOINT");
    pb.environment().remove("OPENECI_ACCESS_KEY_ID");
    pb.environment().remove("OPENECI_ACCESS_KEY_SECRET");
    pb.environment().remove("OPENECI_PROFILE");
    pb.environment().remove("OPENECI_REGION");
    pb.environment().putAll(env);
    return pb;
  }

  static Result cli(String... args) throws Exception {
    return cli(env(), null, args);
  }

  static Result cli(Map<String, String> env, String stdin, String... args) throws Exception {
    Process p = builder(env, args).start();
    if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("openeci " + String.join(" ", args) + " did not end in 180 s");
    }
    return new Result(p.exitValue(), out.get(), err.get());
  }

  static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return "(" + e + ")";
    }
  }

  static Result ok(String... args) throws Exception {
    Result r = cli(args);
    assertThat(r.code()).as("openeci %s\n%s\nserver log tail:\n%s", String.join(" ", args), r, tail())
        .isZero();
    return r;
  }

  static String tail() {
    String log = server.logText();
    return log.length() > 3000 ? log.substring(log.length() - 3000) : log;
  }

  static <T> T await(Supplier<T> probe, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      T v = probe.get();
      if (v != null) return v;
      Thread.sleep(300);
    }
    throw new AssertionError("timed out waiting for " + what + "\nserver log tail:\n" + tail());
  }

  static JsonNode describe(String group) throws Exception {
    return JSON.readTree(ok("describe", "-o", "json", group).out());
  }

  static String status(String group) {
    JsonNode g = describeSafe(group);
    return g == null ? "?" : g.path("Status").asText();
  }

  static String name(String prefix) {
    return prefix + "-" + SdkEndToEndIT.shortId();
  }

  @Test
  void everyCommandHasHelp() throws Exception {
    for (String[] cmd : new String[][] {{}, {"serve"}, {"accesskey"}, {"accesskey", "create"}, {"exec"}, {"run"},
        {"ps"}, {"describe"}, {"logs"}, {"events"}, {"rm"}, {"restart"}, {"update"}, {"top"}, {"images"},
        {"caches"}, {"caches", "create"}, {"caches", "rm"}, {"configure"}}) {
      List<String> args = new ArrayList<>(List.of(cmd));
      args.add("--help");
      Result r = cli(args.toArray(String[]::new));
      assertThat(r.code()).as("%s --help: %s", args, r).isZero();
      assertThat(r.out()).as("%s --help", args).startsWith("Usage: openeci" + (cmd.length == 0 ? "" : " "
          + String.join(" ", cmd))).doesNotContain("Unknown option");
    }
  }

  @Test
  void runWithFlagsWaitsAndTheGroupIsListedDescribedLoggedRestartedUpdatedAndRemoved() throws Exception {
    String n = name("cli-run");
    Result run = ok("run", "--name", n, "--image", image, "--env", "GREETING=hi", "--port", "8080",
        "--tag", "suite=cli", "--wait", "--", "sh", "-c", "echo started $GREETING; i=0; while true; do echo tick $i;"
        + " i=$((i+1)); sleep 1; done");
    String id = run.out().trim();
    assertThat(id).startsWith("eci-");
    assertThat(run.err()).contains("Started").contains(id + " Running ip ");

    // ps: a table with the id, status, ready count and IP; filters; json and yaml are the API's listing.
    Result ps = ok("ps");
    String row = ps.out().lines().filter(l -> l.startsWith(id)).findFirst().orElseThrow(() -> new AssertionError(ps));
    assertThat(ps.out()).startsWith("ID ");
    assertThat(row).contains(n).contains("Running").contains("1/1").containsPattern("10\\.\\d+\\.\\d+\\.\\d+")
        .containsPattern("\\d+[sm]$");
    assertThat(ok("ps", "-q", "--name", n).out().trim()).isEqualTo(id);
    assertThat(ok("ps", "-q", "--tag", "suite=cli", "--status", "Running").out()).contains(id);
    assertThat(ok("ps", "-q", "--tag", "suite=other").out()).doesNotContain(id);
    JsonNode json = JSON.readTree(ok("ps", "-o", "json", "--name", n).out());
    assertThat(json.path("ContainerGroups").get(0).path("ContainerGroupId").asText()).isEqualTo(id);
    JsonNode yaml = YAML.readTree(ok("ps", "-o", "yaml", "--name", n).out());
    assertThat(yaml.path("ContainerGroups").get(0).path("Status").asText()).isEqualTo("Running");

    // describe by id and by name
    Result d = ok("describe", n);
    assertThat(d.out()).contains("Id:              " + id).contains("Status:          Running")
        .contains("Environment:   GREETING=hi").contains("Ports:         8080/TCP").contains("Tags:            suite=cli")
        .contains("Events:").contains("container/" + n);
    assertThat(YAML.readTree(ok("describe", "-o", "yaml", id).out()).path("ContainerGroupName").asText()).isEqualTo(n);

    // logs: whole, --tail, --timestamps
    await(() -> {
      try {
        return cli("logs", n).out().contains("tick 2") ? Boolean.TRUE : null;
      } catch (Exception e) {
        return null;
      }
    }, "three ticks");
    assertThat(ok("logs", n).out()).startsWith("started hi\ntick 0\n");
    assertThat(ok("logs", "--tail", "1", n, n).out().lines().toList()).hasSize(1).allMatch(l -> l.startsWith("tick "));
    assertThat(ok("logs", "--tail", "2", "--timestamps", n).out().lines().toList()).hasSize(2)
        .allMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z tick \\d+"));

    // events (table and json)
    Result ev = ok("events", n);
    assertThat(ev.out()).startsWith("LAST SEEN").contains("Started").contains("container/" + n);
    assertThat(JSON.readTree(ok("events", "-o", "json", id).out()).path("Data").get(0).path("Events").size())
        .isGreaterThanOrEqualTo(2);

    // update --env merges into the current environment (IncrementalUpdate)
    ok("update", n, "--env", "MODE=debug");
    await(() -> {
      JsonNode g = describeSafe(id);
      return g != null && g.path("Status").asText().equals("Running") && g.path("SpecVersion").asText().equals("2")
          ? true : null;
    }, "the update to run");
    assertThat(ok("describe", id).out()).contains("Environment:   GREETING=hi, MODE=debug");
    assertThat(ok("exec", id, n, "--", "sh", "-c", "echo $GREETING-$MODE").out()).isEqualTo("hi-debug\n");

    // restart
    String startedBefore = describe(id).path("Containers").get(0).path("CurrentState").path("StartTime").asText();
    assertThat(ok("restart", n).out().trim()).isEqualTo(id);
    await(() -> {
      JsonNode g = describeSafe(id);
      return g != null && g.path("Status").asText().equals("Running") && !g.path("Containers").get(0)
          .path("CurrentState").path("StartTime").asText().equals(startedBefore) ? true : null;
    }, "Running again after the restart, in a new container");

    // rm: gone from ps at once
    assertThat(ok("rm", n).out().trim()).isEqualTo(id);
    assertThat(ok("ps", "-q").out()).doesNotContain(id);
    Result again = cli("rm", id);
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("no container group \"" + id + "\"");
    assertThat(cli("rm", "--force", id).code()).isZero();
  }

  /** describe -o json, or null when it fails (for polling). */
  static JsonNode describeSafe(String id) {
    try {
      Result r = cli("describe", "-o", "json", id);
      return r.code() == 0 ? JSON.readTree(r.out()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  @Test
  void runFromANestedYamlSpecFollowsLogsUntilTheContainerEnds() throws Exception {
    String n = name("cli-spec");
    Path spec = home.resolve(n + ".yaml");
    Files.writeString(spec, """
        ContainerGroupName: %s
        RestartPolicy: Never
        Tag:
          - Key: from
            Value: file
        Container:
          - Name: job
            Image: %s
            Command: [sh, -c, 'echo one; sleep 2; echo two; sleep 2; echo three; exit 0']
        """.formatted(n, image));
    Result run = ok("run", "-f", spec.toString());
    String id = run.out().trim();
    // -f follows from the start, prints every line once, and ends when the container ends.
    await(() -> {
      JsonNode g = describeSafe(id);
      return g != null && !g.path("Containers").path(0).path("CurrentState").path("State").asText("Waiting")
          .equals("Waiting") ? true : null;
    }, "the job to start");
    Result follow = ok("logs", "-f", n, "job");
    assertThat(follow.out()).isEqualTo("one\ntwo\nthree\n");
    await(() -> status(id).equals("Succeeded") ? true : null, "Succeeded");
    assertThat(ok("ps", "-q", "--tag", "from=file").out().trim()).isEqualTo(id);
    // events -w prints the events and ends when the group is deleted
    Process watch = builder(env(), "events", "-w", id).start();
    StringBuffer watched = new StringBuffer();
    Thread reader = Thread.ofVirtual().start(() -> {
      try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(watch.getInputStream()))) {
        String line;
        while ((line = r.readLine()) != null) watched.append(line).append('\n');
      } catch (java.io.IOException ignored) {
        // ended
      }
    });
    var watchErr = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(watch.getErrorStream()));
    await(() -> watched.toString().contains("Started") ? true : null, "events -w to print the events so far");
    ok("rm", id);
    assertThat(watch.waitFor(60, TimeUnit.SECONDS)).as("events -w ends when the group is deleted").isTrue();
    reader.join();
    assertThat(watch.exitValue()).as("%s", watchErr.get()).isZero();
    assertThat(watched.toString()).startsWith("LAST SEEN").contains("Started").contains("container/job");
    assertThat(watchErr.get()).contains("was deleted");
  }

  @Test
  void logsPreviousIsTheInstanceBeforeTheRestart() throws Exception {
    String n = name("cli-prev");
    String id = ok("run", "--name", n, "--image", image, "--restart-policy", "Always", "--", "sh", "-c",
        "echo run-$RANDOM; sleep 1; exit 1").out().trim();
    await(() -> {
      JsonNode g = describeSafe(id);
      return g != null && g.path("Containers").path(0).path("RestartCount").asInt() >= 1 ? true : null;
    }, "a restart of " + id);
    Result previous = ok("logs", "--previous", id);
    assertThat(previous.out()).matches("run-\\d+\n");
    assertThat(ok("describe", id).out()).contains("Last State:    Terminated (Error), exit code 1");
    ok("rm", id);
  }

  @Test
  void execPassesArgumentsStdinAndExitCodes() throws Exception {
    String n = name("cli-exec");
    String id = ok("run", "--name", n, "--image", image, "--wait", "--", "sleep", "3600").out().trim();
    // `--` separates the command; options after CONTAINER belong to it.
    Result r = cli(env(), null, "exec", n, n, "--", "sh", "-c", "echo out; echo err >&2; exit 3");
    assertThat(r.code()).as("%s", r).isEqualTo(3);
    assertThat(r.out()).isEqualTo("out\n");
    assertThat(r.err()).isEqualTo("err\n");
    assertThat(ok("exec", id, n, "echo", "-n", "no-dashes").out()).isEqualTo("no-dashes");
    // -i: stdin goes to the command, EOF closes it.
    Result cat = cli(env(), "line1\nline2\n", "exec", "-i", id, n, "--", "sh", "-c", "cat; echo end");
    assertThat(cat.code()).as("%s", cat).isZero();
    assertThat(cat.out()).isEqualTo("line1\nline2\nend\n");
    // without -i no stdin is attached: cat sees EOF at once
    Result noStdin = cli(env(), "ignored\n", "exec", id, n, "--", "sh", "-c", "cat; echo end");
    assertThat(noStdin.out()).isEqualTo("end\n");
    ok("rm", id);
  }

  /**
   * {@code exec -it} in a real pseudo-terminal (python3's pty module): the local terminal is raw
   * (each typed line is echoed once, by the remote terminal), the window size reaches the remote
   * terminal and follows SIGWINCH, Ctrl-C interrupts the remote command and not the client, the
   * exit code comes back; and when the client is killed the remote process ends.
   */
  @Test
  void execTtyIsATrueTerminal() throws Exception {
    String n = name("cli-tty");
    String id = ok("run", "--name", n, "--image", image, "--wait", "--", "sleep", "3600").out().trim();
    Path script = home.resolve("ptydrive.py");
    Files.writeString(script, PTY_DRIVER);
    List<String> cmd = new ArrayList<>(List.of("python3", script.toString()));
    cmd.addAll(javaCmd("exec", "-it", id, n, "--", "sh"));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
    pb.environment().putAll(env());
    Process p = pb.start();
    String out = read(p.getInputStream());
    String err = read(p.getErrorStream());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("driver:\n%s\n%s", out, err).isZero();
    assertThat(out).contains("prompt True", "mark True", "size True", "resized True", "ctrl-c True",
        "echoes 1", "exit 4");

    // Killing the client (SIGKILL: no clean close) ends the remote process.
    Files.writeString(script, PTY_KILL);
    cmd = new ArrayList<>(List.of("python3", script.toString()));
    cmd.addAll(javaCmd("exec", "-it", id, n, "--", "sh", "-c", "sleep 4321"));
    pb = new ProcessBuilder(cmd).directory(home.toFile());
    pb.environment().putAll(env());
    Process killer = pb.start();
    await(() -> psHas(id, n, "sleep 4321") ? true : null, "the remote sleep 4321 to run while the client lives");
    Files.writeString(home.resolve("go-kill"), "");
    String killOut = read(killer.getInputStream());
    assertThat(killer.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(killOut).contains("killed");
    await(() -> psHas(id, n, "sleep 4321") ? null : true, "the remote sleep 4321 to end with its client");
    ok("rm", id);
  }

  static boolean psHas(String id, String container, String text) {
    try {
      return cli("exec", id, container, "--", "ps").out().contains(text);
    } catch (Exception e) {
      return false;
    }
  }

  /** argv: the client; drives a shell in a pty and prints one verdict per line. */
  static final String PTY_DRIVER = """
      import os, pty, sys, time, select, struct, fcntl, termios, signal
      pid, fd = pty.fork()
      if pid == 0:
          os.execvp(sys.argv[1], sys.argv[1:])
      fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 101, 0, 0))
      buf = b''
      def until(pat, timeout=30):
          global buf
          end = time.time() + timeout
          while time.time() < end:
              r, _, _ = select.select([fd], [], [], 0.2)
              if r:
                  try:
                      d = os.read(fd, 4096)
                  except OSError:
                      return False
                  if not d:
                      return False
                  buf += d
                  if pat in buf:
                      return True
          return False
      print("prompt", until(b'# '), flush=True)
      os.write(fd, b'echo MARK$((40+2))\\r')
      print("mark", until(b'MARK42'), flush=True)
      os.write(fd, b'stty size\\r')
      print("size", until(b'33 101'), flush=True)
      fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
      os.kill(pid, signal.SIGWINCH)
      resized = False
      for i in range(20):
          os.write(fd, b'stty size\\r')
          if until(b'40 120', 1):
              resized = True
              break
      print("resized", resized, flush=True)
      os.write(fd, b'sleep 100\\r')
      time.sleep(1)
      os.write(fd, b'\\x03')
      os.write(fd, b'echo AFTER$((1+1))\\r')
      print("ctrl-c", until(b'AFTER2'), flush=True)
      print("echoes", buf.count(b'echo MARK$((40+2))'), flush=True)
      os.write(fd, b'exit 4\\r')
      _, status = os.waitpid(pid, 0)
      print("exit", os.WEXITSTATUS(status), flush=True)
      print(repr(buf), file=sys.stderr)
      """;

  /** argv: the client; SIGKILLs it once the test has seen its remote command run (file go-kill). */
  static final String PTY_KILL = """
      import os, pty, sys, time
      pid, fd = pty.fork()
      if pid == 0:
          os.execvp(sys.argv[1], sys.argv[1:])
      end = time.time() + 150
      while not os.path.exists('go-kill') and time.time() < end:
          time.sleep(0.2)
      os.kill(pid, 9)
      os.waitpid(pid, 0)
      print("killed", flush=True)
      """;

  @Test
  void errorsNameTheCodeOrTheEndpointAndTopIsUnsupported() throws Exception {
    Result missing = cli("describe", "no-such-group");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("no container group \"no-such-group\"");

    Map<String, String> badKey = env();
    badKey.put("OPENECI_ACCESS_KEY_SECRET", "wrong");
    Result denied = cli(badKey, null, "ps");
    assertThat(denied.code()).isEqualTo(1);
    assertThat(denied.err()).startsWith("openeci: SignatureDoesNotMatch: ");

    Result invalid = cli("run", "--name", "BAD NAME", "--image", image);
    assertThat(invalid.code()).isEqualTo(1);
    assertThat(invalid.err()).startsWith("openeci: InvalidParameter");

    Map<String, String> nowhere = env();
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    nowhere.put("OPENECI_ENDPOINT", "127.0.0.1:" + port);
    Result refused = cli(nowhere, null, "ps");
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).contains("cannot reach the openeci API at http://127.0.0.1:" + port);

    // top reads DescribeContainerGroupMetric of every Running group (docs/metrics.md)
    Result top = cli("top");
    assertThat(top.code()).as("%s", top).isZero();
    assertThat(top.out()).contains("CPU(cores)").contains("MEMORY(MiB)");
  }

  @Test
  void configureWritesAPrivateProfileThatCommandsUse() throws Exception {
    Map<String, String> env = new HashMap<>();
    Path config = home.resolve("profiles/config.json");
    env.put("OPENECI_CONFIG", config.toString());
    Result c = cli(env, null, "configure", "--profile", "local", "--endpoint", server.endpoint(), "--access-key-id",
        ServerProcess.ACCESS_KEY_ID, "--access-key-secret", ServerProcess.ACCESS_KEY_SECRET);
    assertThat(c.code()).as("%s", c).isZero();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-------");
    assertThat(JSON.readTree(config.toFile()).path("profiles").path("local").path("region").asText())
        .isEqualTo("cn-hangzhou");
    env.put("OPENECI_ENDPOINT", "127.0.0.1:1"); // an explicit --profile wins over the environment
    Result ps = cli(env, null, "ps", "--profile", "local");
    assertThat(ps.code()).as("%s", ps).isZero();
    assertThat(ps.out()).startsWith("ID ");
    Result unknown = cli(env, null, "ps", "--profile", "nope");
    assertThat(unknown.code()).isEqualTo(2);
  }

  @Test
  void imageCachesAreCreatedListedAndRemoved() throws Exception {
    String n = name("cli-cache");
    Result create = ok("caches", "create", "--name", n, "--wait", image);
    String id = create.out().trim();
    assertThat(id).startsWith("imc-");
    assertThat(ok("caches").out()).contains(id).contains(n).contains("Ready");
    assertThat(ok("images").out()).containsPattern("(?m)^" + java.util.regex.Pattern.quote(image) + "\\s+" + id);
    JsonNode y = YAML.readTree(ok("caches", "-o", "yaml").out());
    assertThat(y.path("ImageCaches").findValuesAsText("ImageCacheId")).contains(id);
    assertThat(ok("caches", "rm", id).out().trim()).isEqualTo(id);
    await(() -> {
      try {
        return cli("caches").out().contains(id) ? null : true;
      } catch (Exception e) {
        return null;
      }
    }, "the cache to go");
  }
}
