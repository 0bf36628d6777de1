package dev.openeci.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.CreateContainer;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeEvent;
import dev.openeci.runtime.RuntimeFailure;
import dev.openeci.testing.TestEngine;
import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Docker-API adapter against the real engine: the pod shape and every SPI call. */
class DockerRuntimeIT {
  static final String RUN = "it-" + UUID.randomUUID().toString().substring(0, 8);
  static final Map<String, String> LABELS = Map.of("openeci.test-run", RUN);
  static DockerRuntime rt;
  static String image;

  @BeforeAll
  static void setUp() {
    rt = TestEngine.runtime();
    image = TestEngine.busyboxImage();
  }

  @AfterAll
  static void cleanUp() {
    // Members first: the engine refuses to remove a sandbox others still join.
    List<RuntimeContainer> all = rt.list(LABELS);
    all.stream().filter(c -> !c.name().endsWith("-sbx")).forEach(c -> rt.remove(c.id()));
    all.stream().filter(c -> c.name().endsWith("-sbx")).forEach(c -> rt.remove(c.id()));
    assertThat(rt.list(LABELS)).isEmpty();
  }

  static CreateContainer sandbox(String name, List<String> dns, List<String> hosts) {
    ContainerRuntime.SandboxImage s = rt.ensureSandboxImage();
    return CreateContainer.builder().name(name).image(s.image()).labels(LABELS).entrypoint(s.command()).cmd(List.of())
        .network(CreateContainer.Network.own("podhost", List.of(), dns, List.of("openeci.local"), List.of("ndots:2"),
            hosts, Map.of(), false))
        .build();
  }

  static CreateContainer member(String name, String sandboxId, List<String> cmd, long nanoCpus, long memory,
      List<CreateContainer.Mount> mounts) {
    return CreateContainer.builder().name(name).image(image).labels(LABELS).entrypoint(List.of("/bin/sh", "-c")).cmd(cmd)
        .env(List.of("GREETING=hi")).workingDir("/tmp").nanoCpus(nanoCpus).memoryBytes(memory).mounts(mounts)
        .network(CreateContainer.Network.joinSandbox(sandboxId, "podhost", false)).build();
  }

  static String exec(String id, String script) {
    ContainerRuntime.ExecResult r = rt.exec(id, List.of("/bin/sh", "-c", script), Duration.ofSeconds(20), 1 << 20);
    assertThat(r.timedOut()).isFalse();
    assertThat(r.exitCode()).as("exit code of: " + script + "\n" + r.stderr()).isZero();
    return r.stdout();
  }

  @Test
  void aPodSharesLocalhostHostnameDnsAndHostsAcrossMembers() throws Exception {
    String sbx = rt.create(sandbox(RUN + "-pod-sbx", List.of("10.0.0.53"), List.of("db.example.test:127.0.0.2")));
    rt.start(sbx);
    String web = rt.create(member(RUN + "-pod-web", sbx,
        List.of("echo page > /tmp/index.html; trap 'exit 0' TERM; httpd -f -p 8080 -h /tmp & wait"), 500_000_000L,
        64L << 20, List.of(new CreateContainer.Mount("tmpfs", null, "/scratch", false, 8L << 20, null))));
    rt.start(web);
    String side = rt.create(member(RUN + "-pod-side", sbx, List.of("trap 'exit 0' TERM; sleep 3600 & wait"), 0, 0,
        List.of()));
    rt.start(side);

    String ip = rt.inspect(sbx).orElseThrow().ipAddress();
    assertThat(ip).isNotBlank();
    assertThat(rt.inspect(web).orElseThrow().ipAddress()).as("members report the sandbox IP").isIn(ip, null);
    String page = null;
    for (int i = 0; i < 50 && page == null; i++) {
      ContainerRuntime.ExecResult r = rt.exec(side, List.of("wget", "-qO-", "http://127.0.0.1:8080/index.html"),
          Duration.ofSeconds(5), 4096);
      if (r.exitCode() == 0) page = r.stdout(); else Thread.sleep(100);
    }
    assertThat(page).isEqualTo("page\n");
    assertThat(exec(side, "hostname")).isEqualTo("podhost\n");
    assertThat(exec(side, "cat /etc/resolv.conf")).contains("nameserver 10.0.0.53").contains("search openeci.local")
        .contains("ndots:2");
    assertThat(exec(side, "cat /etc/hosts")).contains("db.example.test");
    assertThat(exec(web, "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max"))
        .isEqualTo((64L << 20) + "\n");
    assertThat(exec(web, "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d' ' -f1 /sys/fs/cgroup/cpu.max"))
        .isEqualTo("50000\n");
    assertThat(exec(web, "echo x > /scratch/f && cat /scratch/f && pwd && echo $GREETING")).isEqualTo("x\n/tmp\nhi\n");

    rt.stop(web, Duration.ofSeconds(10));
    RuntimeContainer stopped = rt.inspect(web).orElseThrow();
    assertThat(stopped.exited()).isTrue();
    assertThat(stopped.exitCode()).isZero();
    assertThat(stopped.startedAt()).isNotNull();
    rt.stop(web, Duration.ofSeconds(1)); // stopping a stopped container is fine
  }

  @Test
  void execReportsExitCodesSeparatesStreamsAndTimesOut() {
    String sbx = rt.create(sandbox(RUN + "-exec-sbx", List.of(), List.of()));
    rt.start(sbx);
    ContainerRuntime.ExecResult r = rt.exec(sbx, List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 3"),
        Duration.ofSeconds(10), 1024);
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.stdout()).isEqualTo("out\n");
    assertThat(r.stderr()).isEqualTo("err\n");
    ContainerRuntime.ExecResult slow = rt.exec(sbx, List.of("/bin/sleep", "30"), Duration.ofMillis(500), 1024);
    assertThat(slow.timedOut()).isTrue();
  }

  @Test
  void logsEventsAndExitCodes() throws Exception {
    List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
    try (Closeable sub = rt.events(LABELS, events::add, () -> { })) {
      Thread.sleep(300);
      String sbx = rt.create(sandbox(RUN + "-logs-sbx", List.of(), List.of()));
      rt.start(sbx);
      String c = rt.create(member(RUN + "-logs-c", sbx, List.of("for i in 1 2 3 4 5; do echo line$i; done; exit 7"),
          0, 0, List.of()));
      rt.start(c);
      RuntimeContainer done = null;
      for (int i = 0; i < 100; i++) {
        done = rt.inspect(c).orElseThrow();
        if (done.exited()) break;
        Thread.sleep(100);
      }
      assertThat(done.exitCode()).isEqualTo(7);
      assertThat(rt.logs(c, ContainerRuntime.LogQuery.all())).isEqualTo("line1\nline2\nline3\nline4\nline5\n");
      assertThat(rt.logs(c, new ContainerRuntime.LogQuery(2, null, false))).isEqualTo("line4\nline5\n");
      assertThat(rt.logs(c, new ContainerRuntime.LogQuery(1, null, true))).matches("\\d{4}-\\d\\d-\\d\\dT\\S+ line5\n");
      for (int i = 0; i < 50 && events.stream().noneMatch(e -> e.containerId().equals(c) && e.action().equals("die")); i++) {
        Thread.sleep(100);
      }
      assertThat(events).anySatisfy(e -> {
        assertThat(e.containerId()).isEqualTo(c);
        assertThat(e.action()).isEqualTo("start");
      });
      assertThat(events).anySatisfy(e -> {
        assertThat(e.containerId()).isEqualTo(c);
        assertThat(e.action()).isEqualTo("die");
        assertThat(e.labels()).containsEntry("openeci.test-run", RUN);
      });
    }
  }

  @Test
  void conflictsMissingContainersAndFailedPullsAreClean() {
    String sbx = rt.create(sandbox(RUN + "-dup-sbx", List.of(), List.of()));
    assertThatThrownBy(() -> rt.create(sandbox(RUN + "-dup-sbx", List.of(), List.of())))
        .isInstanceOf(ContainerRuntime.NameConflict.class);
    rt.remove(sbx);
    rt.remove(sbx); // removing a missing container is fine
    assertThat(rt.inspect(sbx)).isEmpty();
    assertThatThrownBy(() -> rt.pull("127.0.0.1:1/nothing/here:1", Optional.empty(), false, line -> { }))
        .isInstanceOf(RuntimeFailure.class).hasMessageContaining("127.0.0.1:1");
    assertThat(rt.hasImage("127.0.0.1:1/nothing/here:1")).isFalse();
  }
}
