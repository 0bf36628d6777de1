package dev.openeci.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.error.ApiException;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.ImageCommits;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RegistryAuth;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeFailure;
import dev.openeci.testing.ApiHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CommitService with a fake engine: the task's phases and statuses, the credential chosen for the
 * push (the request's, else the group's), failures without the password, the conflict rule, and a
 * task interrupted by a restart ending Failed.
 */
class CommitServiceTest {
  @TempDir
  Path dir;

  /** The fake engine: one running container per group; commits and pushes recorded. */
  static final class Engine implements ImageCommits {
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile RuntimeContainer.State state = RuntimeContainer.State.RUNNING;
    volatile RuntimeException pushFailure;
    volatile CountDownLatch pushGate;
    volatile Optional<RegistryAuth> pushedWith;
    volatile boolean pushedInsecure;

    ContainerRuntime runtime() {
      return (ContainerRuntime) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
          new Class<?>[] {ContainerRuntime.class}, (p, m, a) -> switch (m.getName()) {
            case "list" -> {
              @SuppressWarnings("unchecked")
              Map<String, String> labels = (Map<String, String>) a[0];
              yield List.of(new RuntimeContainer("c-" + labels.get(Labels.GROUP_ID), "n", Map.of(Labels.ATTEMPT, "0",
                  Labels.ROLE, Labels.ROLE_APP), state, null, null, null, null, false, null));
            }
            case "imageCommits" -> this;
            case "toString" -> "fake";
            default -> throw new UnsupportedOperationException(m.getName());
          });
    }

    @Override
    public String commit(String containerId, String reference, String author, String message) {
      calls.add("commit " + containerId + " " + reference);
      return "sha256:0123456789abcdef0123";
    }

    @Override
    public void push(String localImage, String destination, Optional<RegistryAuth> auth, boolean insecure,
        Consumer<String> progress) {
      calls.add("push " + localImage + " " + destination);
      pushedWith = auth;
      pushedInsecure = insecure;
      CountDownLatch gate = pushGate;
      if (gate != null) {
        try {
          gate.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (pushFailure != null) throw pushFailure;
    }

    @Override
    public void untag(String reference) {
      calls.add("untag " + reference);
    }
  }

  static <T> T await(Supplier<T> probe) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      T v = probe.get();
      if (v != null) return v;
      try {
        Thread.sleep(10); // polling the condition, with a deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
    throw new AssertionError("timed out");
  }

  static String createGroup(ApiHarness h, String... extra) {
    Map<String, String> p = new java.util.LinkedHashMap<>(Map.of("RegionId", "cn-hangzhou", "ContainerGroupName",
        "grp", "Container.1.Name", "app", "Container.1.Image", "busybox"));
    for (int i = 0; i < extra.length; i += 2) p.put(extra[i], extra[i + 1]);
    ApiHarness.Reply r = h.call("CreateContainerGroup", p);
    assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
    return r.body().get("ContainerGroupId").asText();
  }

  static CommitService.Request request(String groupId, String container, List<RegistryAuth> creds) {
    return new CommitService.Request(groupId, container, "127.0.0.1:5000/team/app", "v1", null, null, creds,
        List.of(), List.of());
  }

  static CommitTask awaitFinished(CommitTaskRepository repo, String id) {
    return await(() -> repo.get(id).filter(CommitTask::finished).orElse(null));
  }

  @Test
  void commitsPushesWithTheGroupsCredentialAndRemovesTheLocalImage() throws Exception {
    try (ApiHarness h = new ApiHarness(dir)) {
      String gid = createGroup(h, "ImageRegistryCredential.1.Server", "127.0.0.1:5000",
          "ImageRegistryCredential.1.UserName", "u", "ImageRegistryCredential.1.Password", "group-pw",
          "InsecureRegistry", "127.0.0.1:5000");
      Engine engine = new Engine();
      CommitTaskRepository repo = new CommitTaskRepository(h.db);
      try (CommitService s = new CommitService(repo, h.service, engine.runtime(), InstantSource.system())) {
        CommitTask t = s.commit("acct", "cn-hangzhou", request(gid, "app", List.of()));
        assertThat(t.id()).matches("t-[a-z0-9]{20}");
        assertThat(t.status()).isEqualTo(CommitTask.RUNNING);
        CommitTask done = awaitFinished(repo, t.id());
        assertThat(done.status()).isEqualTo(CommitTask.SUCCEEDED);
        assertThat(done.progress()).isEqualTo(100);
        assertThat(done.phases()).extracting(CommitTask.Phase::phase)
            .containsExactly(CommitTask.PHASE_COMMIT, CommitTask.PHASE_PUSH);
        assertThat(done.phases()).extracting(CommitTask.Phase::status).containsOnly("Success");
        String local = "localhost/openeci-commit/" + t.id() + ":1";
        await(() -> engine.calls.size() == 3 ? Boolean.TRUE : null);
        assertThat(engine.calls).containsExactly("commit c-" + gid + " " + local,
            "push " + local + " 127.0.0.1:5000/team/app:v1", "untag " + local);
        assertThat(engine.pushedWith).get().satisfies(a -> {
          assertThat(a.username()).isEqualTo("u");
          assertThat(a.password()).isEqualTo("group-pw");
        });
        assertThat(engine.pushedInsecure).isTrue();
        // the request's own credential wins over the group's
        CommitTask second = s.commit("acct", "cn-hangzhou", request(gid, "app",
            List.of(new RegistryAuth("https://127.0.0.1:5000/", "v", "request-pw"))));
        awaitFinished(repo, second.id());
        assertThat(engine.pushedWith).get().extracting(RegistryAuth::password).isEqualTo("request-pw");
        assertThat(s.list("acct", "cn-hangzhou")).extracting(CommitTask::id).containsExactly(t.id(), second.id());
        assertThat(s.list("other", "cn-hangzhou")).isEmpty();
      }
      // stored: another repository on the same database sees the tasks, without any password
      String stored = h.db.read(c -> {
        StringBuilder b = new StringBuilder();
        try (var rs = c.createStatement().executeQuery("SELECT data FROM commit_tasks")) {
          while (rs.next()) b.append(rs.getString(1));
        }
        return b.toString();
      });
      assertThat(stored).contains("Succeeded").doesNotContain("group-pw").doesNotContain("request-pw");
    }
  }

  @Test
  void aFailedPushEndsFailedWithTheReasonButNotThePassword() throws Exception {
    try (ApiHarness h = new ApiHarness(dir)) {
      String gid = createGroup(h);
      Engine engine = new Engine();
      engine.pushFailure = new RuntimeFailure("push: unauthorized for user v with password request-pw");
      CommitTaskRepository repo = new CommitTaskRepository(h.db);
      try (CommitService s = new CommitService(repo, h.service, engine.runtime(), InstantSource.system())) {
        CommitTask t = s.commit("acct", "cn-hangzhou", request(gid, "app",
            List.of(new RegistryAuth("127.0.0.1:5000", "v", "request-pw"))));
        CommitTask failed = awaitFinished(repo, t.id());
        assertThat(failed.status()).isEqualTo(CommitTask.FAILED);
        assertThat(failed.statusMessage()).contains("unauthorized").doesNotContain("request-pw");
        assertThat(failed.finishedTime()).isNotNull();
        assertThat(failed.phases()).filteredOn(p -> p.phase().equals(CommitTask.PHASE_PUSH))
            .singleElement().extracting(CommitTask.Phase::status).isEqualTo(CommitTask.FAILED);
        await(() -> engine.calls.stream().anyMatch(c -> c.startsWith("untag")) ? Boolean.TRUE : null);
      }
    }
  }

  @Test
  void refusals() throws Exception {
    try (ApiHarness h = new ApiHarness(dir)) {
      String gid = createGroup(h);
      Engine engine = new Engine();
      engine.pushGate = new CountDownLatch(1);
      CommitTaskRepository repo = new CommitTaskRepository(h.db);
      try (CommitService s = new CommitService(repo, h.service, engine.runtime(), InstantSource.system())) {
        assertThatThrownBy(() -> s.commit("acct", "cn-hangzhou", request("eci-none", "app", List.of())))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("InvalidParameter.NotFound"));
        assertThatThrownBy(() -> s.commit("other", "cn-hangzhou", request(gid, "app", List.of())))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("InvalidParameter.NotFound"));
        assertThatThrownBy(() -> s.commit("acct", "cn-hangzhou", request(gid, "nope", List.of())))
            .isInstanceOfSatisfying(ApiException.class, e -> {
              assertThat(e.code()).isEqualTo("InvalidParameter");
              assertThat(e.getMessage()).contains("ContainerName");
            });
        CommitTask running = s.commit("acct", "cn-hangzhou", request(gid, "app", List.of()));
        assertThatThrownBy(() -> s.commit("acct", "cn-hangzhou", request(gid, "app", List.of())))
            .isInstanceOfSatisfying(ApiException.class, e -> {
              assertThat(e.code()).isEqualTo("OperationConflict");
              assertThat(e.getMessage()).contains(running.id());
            });
        engine.pushGate.countDown();
        awaitFinished(repo, running.id());
        engine.state = RuntimeContainer.State.EXITED;
        assertThatThrownBy(() -> s.commit("acct", "cn-hangzhou", request(gid, "app", List.of())))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("IncorrectStatus"));
      }
    }
  }

  @Test
  void aTaskInterruptedByARestartEndsFailed() throws Exception {
    try (ApiHarness h = new ApiHarness(dir)) {
      CommitTaskRepository repo = new CommitTaskRepository(h.db);
      java.time.Instant t0 = java.time.Instant.parse("2026-01-01T00:00:00Z");
      repo.insert(new CommitTask("t-interrupted", "acct", "cn-hangzhou", "eci-1", "app", "r/a:1", CommitTask.RUNNING,
          60, "pushing", t0, null, List.of(new CommitTask.Phase(CommitTask.PHASE_COMMIT, "Success", "ok", t0),
          new CommitTask.Phase(CommitTask.PHASE_PUSH, CommitTask.RUNNING, "pushing", t0))));
      // a new process: the repository loads the stored task, the service ends it
      CommitTaskRepository reloaded = new CommitTaskRepository(h.db);
      Engine engine = new Engine();
      try (CommitService s = new CommitService(reloaded, h.service, engine.runtime(), InstantSource.system())) {
        assertThat(engine.calls).containsExactly("untag localhost/openeci-commit/t-interrupted:1");
        CommitTask t = reloaded.get("t-interrupted").orElseThrow();
        assertThat(t.status()).isEqualTo(CommitTask.FAILED);
        assertThat(t.statusMessage()).isEqualTo(CommitService.INTERRUPTED);
        assertThat(t.finishedTime()).isNotNull();
        assertThat(t.phases()).extracting(CommitTask.Phase::status).containsExactly("Success", CommitTask.FAILED);
        assertThat(s.list("acct", "cn-hangzhou")).singleElement().extracting(CommitTask::status)
            .isEqualTo(CommitTask.FAILED);
      }
    }
  }
}
