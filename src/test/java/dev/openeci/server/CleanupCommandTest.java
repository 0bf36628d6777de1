package dev.openeci.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CleanupCommandTest {
  @TempDir Path dir;
  final List<String> calls = new ArrayList<>();
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  /** An in-memory engine holding two containers of instance "inst1"; records what is asked of it. */
  ContainerRuntime fake() {
    return (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ContainerRuntime.class},
        (proxy, m, args) -> switch (m.getName()) {
          case "describe" -> "fake engine";
          case "list" -> {
            calls.add("list " + args[0]);
            yield ((Map<?, ?>) args[0]).equals(Map.of(Labels.OWNER, "inst1")) ? List.of(
                container("c1", "eci-a-sandbox", "eci-a", Labels.ROLE_SANDBOX), container("c2", "eci-a-web", "eci-a", Labels.ROLE_APP))
                : List.of();
          }
          case "remove", "removeVolumes", "removeNetworks" -> {
            calls.add(m.getName() + " " + args[0]);
            yield null;
          }
          case "close" -> null;
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }

  static RuntimeContainer container(String id, String name, String group, String role) {
    return new RuntimeContainer(id, name, Map.of(Labels.OWNER, "inst1", Labels.GROUP_ID, group, Labels.ROLE, role),
        RuntimeContainer.State.RUNNING, null, null, null, null, false, null);
  }

  int run(String... args) {
    CleanupCommand c = new CleanupCommand();
    c.runtimes = endpoint -> {
      calls.add("engine " + endpoint);
      return fake();
    };
    c.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    c.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    return new CommandLine(c).execute(args);
  }

  @Test
  void withoutYesItOnlyListsTheInstancesContainers() throws Exception {
    Files.writeString(dir.resolve("instance-id"), "inst1\n");
    assertThat(run("--data-dir", dir.toString(), "--engine", "unix:///fake.sock")).isZero();
    assertThat(calls).containsExactly("engine unix:///fake.sock", "list {openeci.owner=inst1}");
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("instance inst1", "1 group(s), 2 container(s)",
        "eci-a", "eci-a-sandbox", "eci-a-web", "Dry run: nothing removed");
  }

  @Test
  void withYesItRemovesContainersVolumesAndNetworksOfThatInstanceOnlySandboxLast() throws Exception {
    Files.writeString(dir.resolve("instance-id"), "inst1\n");
    assertThat(run("--data-dir", dir.toString(), "--engine", "unix:///fake.sock", "--yes")).isZero();
    assertThat(calls).containsExactly("engine unix:///fake.sock", "list {openeci.owner=inst1}", "remove c2",
        "remove c1", "removeVolumes {openeci.owner=inst1}", "removeNetworks {openeci.owner=inst1}");
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("removed 2 container(s)");
  }

  @Test
  void aDirectoryWithoutInstanceIdIsRefusedWithoutTouchingTheEngine() {
    assertThat(run("--data-dir", dir.toString(), "--engine", "unix:///fake.sock", "--yes")).isEqualTo(1);
    assertThat(calls).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("is not an openeci data directory");
    assertThat(dir.resolve("instance-id")).doesNotExist();
  }

  @Test
  void anUnknownOptionIsAUsageError() {
    assertThat(run("--data-dir", dir.toString(), "--force")).isEqualTo(2);
    assertThat(calls).isEmpty();
  }
}
