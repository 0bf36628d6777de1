package dev.openeci.backend.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.backend.PodBackend;
import dev.openeci.config.PodPolicy;
import dev.openeci.config.ServerConfig;
import dev.openeci.group.Action;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSecurity;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.ContainerStatus;
import dev.openeci.group.GroupEvent;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.Ids;
import dev.openeci.group.Probe;
import dev.openeci.group.RestartPolicy;
import dev.openeci.group.VolumeMount;
import dev.openeci.group.VolumeSpec;
import dev.openeci.reconcile.EventRecorder;
import dev.openeci.store.Database;
import dev.openeci.store.GroupRepository;
import dev.openeci.testing.TestCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KubernetesBackend against the real single-node cluster of scripts/setup-kubernetes.sh, through
 * the PodBackend seam with a real store: what Describe would show, delete, adoption after a restart.
 */
class KubernetesBackendIT {
  static final String ACCOUNT = "acct-it";
  static final String REGION = "cn-hangzhou";

  @TempDir
  Path dir;

  KubernetesClient k8s;
  String instanceId;
  String namespace;
  Database db;
  GroupRepository repo;
  KubernetesBackend backend;

  @BeforeEach
  void setUp() {
    k8s = TestCluster.client();
    instanceId = "it-" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
    namespace = KubernetesNames.namespace(instanceId, ACCOUNT, REGION);
    db = Database.open(dir.resolve("openeci.db"));
    repo = new GroupRepository(db);
  }

  @AfterEach
  void tearDown() {
    if (backend != null) backend.close();
    db.close();
    TestCluster.deleteNamespace(namespace);
  }

  KubernetesBackend newBackend() {
    InstantSource clock = InstantSource.system();
    ServerConfig config = new ServerConfig("127.0.0.1", 0, dir, List.of(REGION), null, Duration.ofSeconds(60), 4,
        PodPolicy.DEFAULT);
    PodBackend.Context ctx = new PodBackend.Context(config, repo, new EventRecorder(repo, clock), clock, instanceId);
    return new KubernetesBackend(ctx, k8s, KubernetesOptions.defaults(instanceId, PodPolicy.DEFAULT), false);
  }

  static ContainerSpec container(String name, List<String> command, Probe readiness, List<VolumeMount> mounts) {
    return ContainerSpec.builder().name(name).image(TestCluster.BUSYBOX).command(command).volumeMounts(mounts)
        .readinessProbe(readiness).build();
  }

  /** The scenario of issue 11: an init container, a probed app and a crashing sidecar, plus a config file. */
  static GroupSpec scenario() {
    String content = Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8));
    VolumeSpec config = new VolumeSpec.ConfigFile("cfg", null, List.of(new VolumeSpec.ConfigFile.File("a.txt", content,
        null)));
    ContainerSpec init = container("init", List.of("sh", "-c", "echo initialized"), null, List.of());
    ContainerSpec app = container("app", List.of("sh", "-c", "touch /tmp/ready; exec sleep 3600"),
        new Probe(new Action.Exec(List.of("cat", "/tmp/ready")), 0, 1, 1, 1, 3),
        List.of(new VolumeMount("cfg", "/etc/cfg", null, true, null)));
    ContainerSpec sidecar = container("sidecar", List.of("sh", "-c", "echo crashing; exit 3"), null, List.of());
    return GroupSpec.builder().name("it-web").zoneId("cn-hangzhou-a").restartPolicy(RestartPolicy.Always).cpu(0.5)
        .memory(0.5).initContainers(List.of(init)).containers(List.of(app, sidecar)).terminationGracePeriodSeconds(2)
        .volumes(List.of(config)).build();
  }

  ContainerGroup store(GroupSpec spec) {
    Instant now = Instant.now();
    ContainerGroup g = new ContainerGroup(Ids.newGroupId(), ACCOUNT, REGION, 1, spec, GroupState.initial(), now, now,
        null, 0);
    repo.create(g, null, "h-" + g.id());
    return g;
  }

  static void await(String what, Duration limit, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + limit + " waiting for " + what);
      try {
        Thread.sleep(200); // polling the condition with a deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  ContainerStatus status(String id, String container) {
    GroupState s = repo.get(id).orElseThrow().state();
    List<ContainerStatus> all = new ArrayList<>(s.initContainers());
    all.addAll(s.containers());
    return all.stream().filter(c -> c.name().equals(container)).findFirst().orElse(null);
  }

  @Test
  void initProbedAppAndCrashingSidecarShowTheLocalDescribeFieldsAndDeleteRemovesEverything() {
    ContainerGroup g = store(scenario());
    backend = newBackend();
    backend.start();
    await("Running with the app ready and the sidecar restarted", Duration.ofSeconds(120), () -> {
      ContainerStatus app = status(g.id(), "app");
      ContainerStatus side = status(g.id(), "sidecar");
      return repo.get(g.id()).orElseThrow().state().status() == GroupStatus.Running && app != null && app.ready()
          && side != null && side.restartCount() >= 1 && side.previous() != null;
    });
    ContainerGroup now = repo.get(g.id()).orElseThrow();
    System.out.println("Describe fields on Kubernetes: " + now.state());
    assertThat(now.state().intranetIp()).matches("\\d+\\.\\d+\\.\\d+\\.\\d+");
    ContainerStatus init = status(g.id(), "init");
    assertThat(init.current().state()).isEqualTo("Terminated");
    assertThat(init.current().reason()).isEqualTo("Completed");
    assertThat(init.current().exitCode()).isZero();
    assertThat(init.ready()).isFalse();
    assertThat(init.current().startTime()).isNotNull();
    assertThat(init.current().finishTime()).isNotNull();
    ContainerStatus app = status(g.id(), "app");
    assertThat(app.current().state()).isEqualTo("Running");
    assertThat(app.current().reason()).isEqualTo("Started");
    assertThat(app.current().detailStatus()).isEqualTo("working");
    assertThat(app.restartCount()).isZero();
    assertThat(app.previous()).isNull();
    ContainerStatus side = status(g.id(), "sidecar");
    assertThat(side.ready()).isFalse();
    assertThat(side.previous().state()).isEqualTo("Terminated");
    assertThat(side.previous().reason()).isEqualTo("Error");
    assertThat(side.previous().exitCode()).isEqualTo(3);
    assertThat(side.current().state()).isIn("Waiting", "Running", "Terminated");
    if (side.current().state().equals("Waiting")) {
      assertThat(side.current().reason()).isEqualTo("CrashLoopBackOff");
      assertThat(side.current().message()).endsWith("restarting failed container=sidecar pod=it-web");
    }
    await("the kubelet's events", Duration.ofSeconds(30), () -> repo.events(g.id()).stream()
        .anyMatch(e -> e.reason().equals("Started") && e.object().equals("app")));
    assertThat(repo.events(g.id())).extracting(GroupEvent::reason).contains("Scheduled", "Created", "Started");
    Pod pod = k8s.pods().inNamespace(namespace).withName(g.id()).get();
    assertThat(pod.getMetadata().getLabels()).containsEntry(KubernetesNames.OWNER, instanceId);
    assertThat(k8s.configMaps().inNamespace(namespace).withLabel(KubernetesNames.GROUP_ID, g.id()).list().getItems())
        .singleElement().satisfies(cm -> assertThat(cm.getMetadata().getOwnerReferences()).singleElement()
            .satisfies(ref -> assertThat(ref.getUid()).isEqualTo(pod.getMetadata().getUid())));

    repo.modify(g.id(), cur -> cur.withDeletionRequested(Instant.now()));
    backend.wake(g.id());
    await("the record gone", Duration.ofSeconds(120), () -> repo.get(g.id()).isEmpty());
    assertThat(k8s.pods().inNamespace(namespace).withName(g.id()).get()).isNull();
    assertThat(k8s.configMaps().inNamespace(namespace).withLabel(KubernetesNames.GROUP_ID, g.id()).list().getItems())
        .isEmpty();
  }

  @Test
  void aRestartedBackendAdoptsWhatRunsAndNeverMakesASecondPod() {
    List<ContainerGroup> created = new ArrayList<>();
    ContainerSpec sleeper = container("app", List.of("sleep", "3600"), null, List.of());
    for (int i = 0; i < 4; i++) {
      created.add(store(GroupSpec.basic("adopt-" + i, "z", RestartPolicy.Always, 0.25, 0.25, List.of(), List.of(),
          List.of(sleeper), 1)));
    }
    backend = newBackend();
    backend.start();
    // Stop in the middle of the creates (as a crash would, minus the process), then start again.
    await("a first pod", Duration.ofSeconds(60),
        () -> !k8s.pods().inNamespace(namespace).list().getItems().isEmpty());
    backend.close();
    backend = newBackend();
    backend.start();
    await("all Running", Duration.ofSeconds(120), () -> created.stream()
        .allMatch(g -> repo.get(g.id()).orElseThrow().state().status() == GroupStatus.Running));
    List<Pod> pods = k8s.pods().inNamespace(namespace).withLabel(KubernetesNames.OWNER, instanceId).list().getItems();
    assertThat(pods).extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrderElementsOf(created.stream().map(ContainerGroup::id).toList());
    assertThat(created).allSatisfy(g -> assertThat(repo.events(g.id()))
        .noneMatch(e -> e.type().equals("Warning") && e.reason().equals("FailedCreate")));
  }

  @Test
  void imageOnlyUpdatePatchesInPlaceOtherUpdatesAndRestartsRecreate() {
    ContainerSpec sleeper = container("app", List.of("sleep", "3600"), null, List.of());
    ContainerGroup g = store(GroupSpec.basic("upd", "z", RestartPolicy.Always, 0.25, 0.25, List.of(), List.of(),
        List.of(sleeper), 1));
    backend = newBackend();
    backend.start();
    await("Running", Duration.ofSeconds(60), () -> repo.get(g.id()).orElseThrow().state().status() == GroupStatus.Running);
    String uid = k8s.pods().inNamespace(namespace).withName(g.id()).get().getMetadata().getUid();

    // Image only: the same pod, the container restarted on the new image by the kubelet.
    ContainerSpec newImage = ContainerSpec.builder().name("app").image(TestCluster.ENTRYPOINT_IMAGE)
        .command(List.of("sleep", "3600")).build();
    update(g.id(), newImage);
    await("the Updated event", Duration.ofSeconds(90), () -> repo.events(g.id()).stream()
        .anyMatch(e -> e.reason().equals("Updated")));
    Pod patched = k8s.pods().inNamespace(namespace).withName(g.id()).get();
    assertThat(patched.getMetadata().getUid()).isEqualTo(uid);
    assertThat(patched.getSpec().getContainers().get(0).getImage()).isEqualTo(TestCluster.ENTRYPOINT_IMAGE);
    assertThat(repo.get(g.id()).orElseThrow().state().status()).isEqualTo(GroupStatus.Running);

    // Anything else: a new pod of the same name.
    ContainerSpec newArgs = ContainerSpec.builder().name("app").image(TestCluster.ENTRYPOINT_IMAGE)
        .command(List.of("sleep", "3601")).build();
    update(g.id(), newArgs);
    await("a new pod Running", Duration.ofSeconds(120), () -> {
      Pod p = k8s.pods().inNamespace(namespace).withName(g.id()).get();
      return p != null && !p.getMetadata().getUid().equals(uid)
          && repo.get(g.id()).orElseThrow().state().status() == GroupStatus.Running;
    });
    assertThat(repo.events(g.id())).extracting(GroupEvent::reason).contains("Recreating");
    String uid2 = k8s.pods().inNamespace(namespace).withName(g.id()).get().getMetadata().getUid();

    // Restart: a new pod again, the generation applied.
    repo.modify(g.id(), cur -> cur.withRestartRequested(Instant.now()));
    backend.wake(g.id());
    await("restarted and Running", Duration.ofSeconds(120), () -> {
      Pod p = k8s.pods().inNamespace(namespace).withName(g.id()).get();
      ContainerGroup cur = repo.get(g.id()).orElseThrow();
      return p != null && !p.getMetadata().getUid().equals(uid2) && cur.state().restartsApplied() == 1
          && cur.state().status() == GroupStatus.Running;
    });
    assertThat(k8s.pods().inNamespace(namespace).list().getItems()).hasSize(1);
  }

  @Test
  void aPodTheSchedulerCannotPlaceIsScheduleFailedWithItsReason() {
    ContainerSpec big = container("app", List.of("sleep", "3600"), null, List.of());
    ContainerGroup g = store(GroupSpec.basic("huge", "z", RestartPolicy.Always, 64, 1, List.of(), List.of(),
        List.of(big), 1));
    backend = newBackend();
    backend.start();
    await("ScheduleFailed", Duration.ofSeconds(60),
        () -> repo.get(g.id()).orElseThrow().state().status() == GroupStatus.ScheduleFailed);
    ContainerStatus app = status(g.id(), "app");
    assertThat(app.current().state()).isEqualTo("Waiting");
    assertThat(app.current().reason()).isEqualTo("Unschedulable");
    assertThat(app.current().message()).contains("Insufficient cpu");
    await("the scheduler's event", Duration.ofSeconds(30), () -> repo.events(g.id()).stream()
        .anyMatch(e -> e.reason().equals("FailedScheduling") && e.type().equals("Warning")));
  }

  private void update(String id, ContainerSpec app) {
    ContainerGroup cur = repo.get(id).orElseThrow();
    GroupSpec s = cur.spec();
    GroupSpec next = s.toBuilder().containers(List.of(app)).build();
    repo.update(id, ACCOUNT, REGION, next, java.util.Map.of(), null, "h" + System.nanoTime(), x -> {}, Instant.now());
    backend.wake(id);
  }
}
