package dev.openeci.backend.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.backend.PodBackend;
import dev.openeci.config.PodPolicy;
import dev.openeci.config.ServerConfig;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupEvent;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.RestartPolicy;
import dev.openeci.reconcile.EventRecorder;
import dev.openeci.store.Database;
import dev.openeci.store.GroupRepository;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync logic against fabric8's mock apiserver in CRUD mode (it stores and watches objects but
 * neither validates, defaults nor runs anything: the pod statuses are written by the test).
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesBackendTest {
  static final String OWNER = "test-instance";
  static final String ACCOUNT = "acct";
  static final String REGION = "cn-hangzhou";
  static final String NS = KubernetesNames.namespace(OWNER, ACCOUNT, REGION);

  KubernetesClient client;
  io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server;

  @TempDir
  Path dir;

  Database db;
  GroupRepository repo;
  KubernetesBackend backend;

  @BeforeEach
  void setUp() {
    db = Database.open(dir.resolve("openeci.db"));
    repo = new GroupRepository(db);
    // The controller-manager would make the namespace's default ServiceAccount; the mock does not.
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    client.serviceAccounts().inNamespace(NS).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("default").endMetadata().build()).create();
  }

  @AfterEach
  void tearDown() {
    if (backend != null) backend.close();
    db.close();
  }

  void startBackend() {
    InstantSource clock = InstantSource.system();
    ServerConfig config = new ServerConfig("127.0.0.1", 0, dir, List.of(REGION), null, Duration.ofSeconds(60), 2,
        PodPolicy.DEFAULT);
    PodBackend.Context ctx = new PodBackend.Context(config, repo, new EventRecorder(repo, clock), clock, OWNER);
    backend = new KubernetesBackend(ctx, client, KubernetesOptions.defaults(OWNER, PodPolicy.DEFAULT), false);
    backend.eventFieldSelector = false; // the mock apiserver answers nothing to it
    backend.start();
  }

  static ContainerSpec c(String name, String image) {
    return ContainerSpec.basic(name, image, null, List.of("sleep"), List.of("3600"), null, List.of(), null, null,
        List.of());
  }

  ContainerGroup store(String id, String image) {
    GroupSpec spec = GroupSpec.basic("web", "cn-hangzhou-a", RestartPolicy.Always, 1, 2, List.of(), List.of(),
        List.of(c("app", image)), 5);
    Instant now = Instant.now();
    ContainerGroup g = new ContainerGroup(id, ACCOUNT, REGION, 1, spec, GroupState.initial(), now, now, null, 0);
    repo.create(g, null, "h");
    return g;
  }

  Pod pod(String id) {
    return client.pods().inNamespace(NS).withName(id).get();
  }

  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      try {
        Thread.sleep(20); // polling the condition, not synchronizing on time
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** What the kubelet would write: the pod running with an IP. */
  void markRunning(String id) {
    Pod p = pod(id);
    Pod running = new PodBuilder(p).withNewStatus().withPhase("Running").withPodIP("10.244.0.9")
        .addNewCondition().withType("PodScheduled").withStatus("True").endCondition()
        .addNewContainerStatus().withName("app").withImage(p.getSpec().getContainers().get(0).getImage())
        .withReady(true).withRestartCount(0).withNewState().withNewRunning().withStartedAt("2026-12-01T10:00:00Z")
        .endRunning().endState().endContainerStatus().endStatus().build();
    client.pods().inNamespace(NS).resource(running).updateStatus();
  }

  GroupStatus status(String id) {
    return repo.get(id).map(g -> g.state().status()).orElse(null);
  }

  @Test
  void createsThePodAndReportsItsStatus() {
    store("eci-create0000000000001", "busybox:1");
    startBackend();
    await("the pod", () -> pod("eci-create0000000000001") != null);
    Pod p = pod("eci-create0000000000001");
    assertThat(p.getMetadata().getLabels()).containsEntry(KubernetesNames.OWNER, OWNER)
        .containsEntry(KubernetesNames.GROUP_ID, "eci-create0000000000001")
        .containsEntry(KubernetesNames.SPEC_VERSION, "1");
    markRunning("eci-create0000000000001");
    await("Running", () -> status("eci-create0000000000001") == GroupStatus.Running);
    ContainerGroup g = repo.get("eci-create0000000000001").orElseThrow();
    assertThat(g.state().intranetIp()).isEqualTo("10.244.0.9");
    assertThat(g.state().containers()).singleElement().satisfies(cs -> {
      assertThat(cs.ready()).isTrue();
      assertThat(cs.current().state()).isEqualTo("Running");
    });
  }

  @Test
  void adoptsThePodAPreviousRunCreated() {
    ContainerGroup g = store("eci-adopt00000000000001", "busybox:1");
    Pod existing = PodMapper.map(g, KubernetesOptions.defaults(OWNER, PodPolicy.DEFAULT)).pod();
    String uid = client.pods().inNamespace(NS).resource(existing).create().getMetadata().getUid();
    markRunning("eci-adopt00000000000001");
    startBackend();
    await("Running", () -> status("eci-adopt00000000000001") == GroupStatus.Running);
    assertThat(client.pods().inAnyNamespace().list().getItems()).singleElement()
        .satisfies(p -> assertThat(p.getMetadata().getUid()).isEqualTo(uid));
  }

  @Test
  void aCreateThatHitsAlreadyExistsAdoptsInsteadOfMakingASecondPod() {
    // The informer has not seen the pod yet when the sync runs: the create answers 409 and the
    // backend adopts what is there.
    startBackend();
    ContainerGroup g = store("eci-race000000000000001", "busybox:1");
    Pod existing = PodMapper.map(g, KubernetesOptions.defaults(OWNER, PodPolicy.DEFAULT)).pod();
    client.pods().inNamespace(NS).resource(existing).create();
    backend.wake(g.id());
    await("idle", () -> backend.idle());
    assertThat(client.pods().inAnyNamespace().list().getItems()).hasSize(1);
    assertThat(repo.events(g.id())).noneMatch(e -> e.type().equals("Warning"));
  }

  @Test
  void deleteRemovesThePodTheOwnedObjectsAndTheRecord() {
    store("eci-delete000000000001", "busybox:1");
    startBackend();
    await("the pod", () -> pod("eci-delete000000000001") != null);
    ConfigMap owned = new ConfigMapBuilder().withNewMetadata().withName("eci-delete000000000001-config-abc")
        .withLabels(KubernetesNames.ownedLabels(OWNER, "eci-delete000000000001")).endMetadata()
        .withData(Map.of("a", "b")).build();
    client.configMaps().inNamespace(NS).resource(owned).create();
    repo.modify("eci-delete000000000001", g -> g.withDeletionRequested(Instant.now()));
    backend.wake("eci-delete000000000001");
    await("the record gone", () -> repo.get("eci-delete000000000001").isEmpty());
    assertThat(pod("eci-delete000000000001")).isNull();
    assertThat(client.configMaps().inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void startCollectsObjectsOfGroupsNoLongerStoredAndLeavesOthersAlone() {
    Map<String, String> orphan = KubernetesNames.ownedLabels(OWNER, "eci-orphan00000000001");
    Map<String, String> foreign = KubernetesNames.ownedLabels("another-server", "eci-foreign0000000001");
    client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("eci-orphan00000000001")
        .withLabels(orphan).endMetadata().withNewSpec().addNewContainer().withName("app").withImage("busybox")
        .endContainer().endSpec().build()).create();
    client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("eci-orphan00000000001-config-1").withLabels(orphan).endMetadata().build()).create();
    client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("eci-foreign0000000001")
        .withLabels(foreign).endMetadata().withNewSpec().addNewContainer().withName("app").withImage("busybox")
        .endContainer().endSpec().build()).create();
    startBackend();
    await("the orphan pod gone", () -> pod("eci-orphan00000000001") == null);
    assertThat(client.configMaps().inNamespace(NS).withName("eci-orphan00000000001-config-1").get()).isNull();
    assertThat(pod("eci-foreign0000000001")).isNotNull();
  }

  @Test
  void anImageOnlyUpdateIsPatchedInPlace() {
    ContainerGroup g = store("eci-patch0000000000001", "busybox:1");
    startBackend();
    await("the pod", () -> pod(g.id()) != null);
    markRunning(g.id());
    await("Running", () -> status(g.id()) == GroupStatus.Running);
    String uid = pod(g.id()).getMetadata().getUid();
    GroupSpec next = GroupSpec.builder().name(g.spec().name()).zoneId(g.spec().zoneId())
        .restartPolicy(g.spec().restartPolicy()).cpu(g.spec().cpu()).memory(g.spec().memory()).tags(g.spec().tags())
        .containers(List.of(c("app", "busybox:2"))).terminationGracePeriodSeconds(5).build();
    repo.update(g.id(), ACCOUNT, REGION, next, Map.of(), null, "h2", x -> {}, Instant.now());
    backend.wake(g.id());
    await("the image patched", () -> "busybox:2".equals(pod(g.id()).getSpec().getContainers().get(0).getImage()));
    Pod p = pod(g.id());
    assertThat(p.getMetadata().getUid()).isEqualTo(uid);
    assertThat(p.getMetadata().getLabels()).containsEntry(KubernetesNames.SPEC_VERSION, "2");
    assertThat(status(g.id())).isEqualTo(GroupStatus.Updating); // until the kubelet runs the new image
    markRunning(g.id()); // now reporting busybox:2
    await("Running again", () -> status(g.id()) == GroupStatus.Running);
    await("the Updated event", () -> repo.events(g.id()).stream().anyMatch(e -> e.reason().equals("Updated")));
    assertThat(repo.events(g.id())).extracting(GroupEvent::reason).contains("Updating");
  }

  @Test
  void anUpdateBeyondImagesRecreatesThePod() {
    ContainerGroup g = store("eci-recreate00000000001", "busybox:1");
    startBackend();
    await("the pod", () -> pod(g.id()) != null);
    markRunning(g.id());
    await("Running", () -> status(g.id()) == GroupStatus.Running);
    String uid = pod(g.id()).getMetadata().getUid();
    ContainerSpec changed = ContainerSpec.basic("app", "busybox:1", null, List.of("sleep"), List.of("60"), null,
        List.of(), null, null, List.of());
    GroupSpec next = GroupSpec.builder().name(g.spec().name()).zoneId(g.spec().zoneId())
        .restartPolicy(g.spec().restartPolicy()).cpu(g.spec().cpu()).memory(g.spec().memory()).tags(g.spec().tags())
        .containers(List.of(changed)).terminationGracePeriodSeconds(5).build();
    repo.update(g.id(), ACCOUNT, REGION, next, Map.of(), null, "h2", x -> {}, Instant.now());
    backend.wake(g.id());
    await("a new pod", () -> {
      Pod p = pod(g.id());
      return p != null && !uid.equals(p.getMetadata().getUid());
    });
    Pod p = pod(g.id());
    assertThat(p.getMetadata().getLabels()).containsEntry(KubernetesNames.SPEC_VERSION, "2");
    assertThat(p.getSpec().getContainers().get(0).getArgs()).containsExactly("60");
    assertThat(client.pods().inAnyNamespace().list().getItems()).hasSize(1);
    assertThat(repo.events(g.id())).extracting(GroupEvent::reason).contains("Recreating");
    markRunning(g.id());
    await("Running", () -> status(g.id()) == GroupStatus.Running);
  }

  @Test
  void aRestartRecreatesThePodAndAppliesTheGeneration() {
    ContainerGroup g = store("eci-restart00000000001", "busybox:1");
    startBackend();
    await("the pod", () -> pod(g.id()) != null);
    markRunning(g.id());
    await("Running", () -> status(g.id()) == GroupStatus.Running);
    String uid = pod(g.id()).getMetadata().getUid();
    repo.modify(g.id(), cur -> cur.withRestartRequested(Instant.now()));
    backend.wake(g.id());
    await("a new pod", () -> {
      Pod p = pod(g.id());
      return p != null && !uid.equals(p.getMetadata().getUid());
    });
    assertThat(pod(g.id()).getMetadata().getLabels()).containsEntry(KubernetesNames.RESTART_GENERATION, "1");
    await("restart applied", () -> repo.get(g.id()).orElseThrow().state().restartsApplied() == 1);
    assertThat(status(g.id())).isEqualTo(GroupStatus.Restarting);
    markRunning(g.id());
    await("Running", () -> status(g.id()) == GroupStatus.Running);
  }

  @Test
  void podEventsBecomeGroupEventsOnce() {
    ContainerGroup g = store("eci-events000000000001", "busybox:1");
    startBackend();
    await("the pod", () -> pod(g.id()) != null);
    Pod p = pod(g.id());
    client.v1().events().inNamespace(NS).resource(new EventBuilder().withNewMetadata().withName(g.id() + ".1")
        .endMetadata().withNewInvolvedObject().withKind("Pod").withNamespace(NS).withName(g.id())
        .withUid(p.getMetadata().getUid()).withFieldPath("spec.containers{app}").endInvolvedObject()
        .withType("Warning").withReason("BackOff").withMessage("Back-off restarting failed container")
        .withCount(1).withLastTimestamp("2026-12-01T10:00:00Z").build()).create();
    await("the event", () -> repo.events(g.id()).stream().anyMatch(e -> e.reason().equals("BackOff")));
    GroupEvent e = repo.events(g.id()).stream().filter(x -> x.reason().equals("BackOff")).findFirst().orElseThrow();
    assertThat(e.object()).isEqualTo("app");
    assertThat(e.type()).isEqualTo("Warning");
    assertThat(e.count()).isEqualTo(1);
    // The same Event seen again (another pod change wakes the group) is not recorded twice.
    markRunning(g.id());
    await("Running", () -> status(g.id()) == GroupStatus.Running);
    await("idle", () -> backend.idle());
    assertThat(repo.events(g.id()).stream().filter(x -> x.reason().equals("BackOff")).findFirst().orElseThrow()
        .count()).isEqualTo(1);
  }

  @Test
  void aPodTheApiserverRefusesFailsTheGroupWithItsMessage() {
    server.expect().post().withPath("/api/v1/namespaces/" + NS + "/pods").andReturn(422,
        new io.fabric8.kubernetes.api.model.StatusBuilder().withStatus("Failure").withCode(422).withReason("Invalid")
            .withMessage("Pod \"eci-invalid0000000001\" is invalid: spec.containers[0].image: Required value")
            .build()).always();
    store("eci-invalid0000000001", "busybox:1");
    startBackend();
    await("Failed", () -> status("eci-invalid0000000001") == GroupStatus.Failed);
    assertThat(repo.events("eci-invalid0000000001")).anySatisfy(e -> {
      assertThat(e.type()).isEqualTo("Warning");
      assertThat(e.reason()).isEqualTo("FailedCreate");
      assertThat(e.message()).contains("spec.containers[0].image: Required value");
    });
    await("idle", () -> backend.idle());
    assertThat(pod("eci-invalid0000000001")).isNull();
  }

  @Test
  void eventObjectIsTheContainerTheEventNames() {
    var e = new EventBuilder().withNewInvolvedObject().withFieldPath("spec.initContainers{init}").endInvolvedObject()
        .build();
    assertThat(KubernetesBackend.containerOf(e)).isEqualTo("init");
    assertThat(KubernetesBackend.containerOf(new EventBuilder().withNewInvolvedObject().endInvolvedObject().build()))
        .isEmpty();
  }

}
