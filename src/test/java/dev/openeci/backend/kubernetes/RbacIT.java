package dev.openeci.backend.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.testing.TestCluster;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * etc/kubernetes/rbac.yaml is enough for what the backend does, and not more: the manifest is
 * applied, a client authenticated as its ServiceAccount (its token) makes every kind of call the
 * backend makes, and calls outside the manifest are refused.
 */
class RbacIT {
  static KubernetesClient admin;
  static KubernetesClient sa;
  static List<HasMetadata> applied;
  static String ns;

  @BeforeAll
  static void setUp() throws Exception {
    admin = TestCluster.client();
    try (InputStream in = Files.newInputStream(Path.of("etc/kubernetes/rbac.yaml"))) {
      applied = admin.load(in).items();
    }
    for (HasMetadata o : applied) admin.resource(o).createOr(r -> r.update());
    String token = PodLogsExecIT.await("a token Secret for openeci/openeci", Duration.ofSeconds(60), () -> {
      ServiceAccount a = admin.serviceAccounts().inNamespace("openeci").withName("openeci").get();
      if (a == null || a.getSecrets() == null || a.getSecrets().isEmpty()) return null;
      Secret s = admin.secrets().inNamespace("openeci").withName(a.getSecrets().get(0).getName()).get();
      return s == null || s.getData() == null || s.getData().get("token") == null ? null
          : new String(Base64.getDecoder().decode(s.getData().get("token")), StandardCharsets.UTF_8);
    }, t -> t != null);
    Config c = Config.fromKubeconfig(null, new File(TestCluster.kubeconfig().toString()));
    c.setOauthToken(token);
    c.setUsername(null);
    c.setPassword(null);
    c.setClientCertData(null);
    c.setClientCertFile(null);
    c.setClientKeyData(null);
    c.setClientKeyFile(null);
    sa = new KubernetesClientBuilder().withConfig(c).build();
    ns = "it-rbac-" + Long.toString(System.nanoTime() & 0xffffffffL, 36);
  }

  @AfterAll
  static void tearDown() {
    if (sa != null) sa.close();
    TestCluster.deleteNamespace(ns);
    // The cluster-wide objects of the manifest (the namespace openeci goes with its ServiceAccount).
    for (HasMetadata o : applied) {
      try {
        admin.resource(o).delete();
      } catch (KubernetesClientException e) {
        System.err.println("RbacIT: could not delete " + o.getKind() + " " + o.getMetadata().getName());
      }
    }
  }

  @Test
  void theServiceAccountCanDoWhatTheBackendDoesAndNoMore() throws Exception {
    // namespaces: create, get, list, watch
    sa.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
        .withLabels(Map.of(TestCluster.TEST_LABEL, "true", "openeci.dev/owner", "rbac-it")).endMetadata().build())
        .create();
    assertThat(sa.namespaces().withName(ns).get()).isNotNull();
    assertThat(sa.namespaces().withLabel("openeci.dev/owner", "rbac-it").list().getItems()).hasSize(1);
    watchOnce(sa.namespaces().withLabel("openeci.dev/owner", "rbac-it"));
    // serviceaccounts: get (the default one of a new namespace)
    PodLogsExecIT.await("default ServiceAccount", Duration.ofSeconds(60),
        () -> sa.serviceAccounts().inNamespace(ns).withName("default").get(), a -> a != null);

    // owned objects: create, get, list, watch, patch, delete
    Map<String, String> labels = Map.of("openeci.dev/owner", "rbac-it", "openeci.dev/group-id", "eci-rbac");
    sa.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("eci-rbac-cf-1")
        .withLabels(labels).endMetadata().addToData("a", "b").build()).create();
    sa.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("eci-rbac-pull-1")
        .withLabels(labels).endMetadata().withType("kubernetes.io/dockerconfigjson")
        .addToStringData(".dockerconfigjson", "{\"auths\":{}}").build()).create();
    sa.services().inNamespace(ns).resource(new ServiceBuilder().withNewMetadata().withName("eci-rbac-svc-1")
        .withLabels(labels).endMetadata().withNewSpec().withType("ClusterIP").withClusterIP("None")
        .addNewPort().withPort(80).endPort().endSpec().build()).create();
    sa.persistentVolumeClaims().inNamespace(ns).resource(new PersistentVolumeClaimBuilder().withNewMetadata()
        .withName("eci-rbac-disk-1").withLabels(labels).endMetadata().withNewSpec().withAccessModes("ReadWriteOnce")
        .withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build()).create();
    assertThat(sa.configMaps().inNamespace(ns).withLabels(labels).list().getItems()).hasSize(1);
    assertThat(sa.secrets().inNamespace(ns).withLabels(labels).list().getItems()).hasSize(1);
    assertThat(sa.services().inNamespace(ns).withLabels(labels).list().getItems()).hasSize(1);
    assertThat(sa.persistentVolumeClaims().inNamespace(ns).withLabels(labels).list().getItems()).hasSize(1);
    watchOnce(sa.configMaps().inAnyNamespace().withLabels(labels));
    watchOnce(sa.secrets().inAnyNamespace().withLabels(labels));
    watchOnce(sa.services().inAnyNamespace().withLabels(labels));
    watchOnce(sa.persistentVolumeClaims().inAnyNamespace().withLabels(labels));
    String mergePatch = "{\"metadata\":{\"annotations\":{\"openeci.dev/rbac\":\"ok\"}}}";
    PatchContext merge = PatchContext.of(PatchType.JSON_MERGE);
    sa.configMaps().inNamespace(ns).withName("eci-rbac-cf-1").patch(merge, mergePatch);
    sa.secrets().inNamespace(ns).withName("eci-rbac-pull-1").patch(merge, mergePatch);
    sa.services().inNamespace(ns).withName("eci-rbac-svc-1").patch(merge, mergePatch);
    sa.persistentVolumeClaims().inNamespace(ns).withName("eci-rbac-disk-1").patch(merge, mergePatch);

    // pods: create, get, list, watch, patch (image in place), log, exec, delete
    sa.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("eci-rbac").withLabels(labels)
        .endMetadata().withNewSpec().withTerminationGracePeriodSeconds(0L).addNewContainer().withName("c1")
        .withImage(TestCluster.BUSYBOX).withImagePullPolicy("IfNotPresent")
        .withCommand("sh", "-c", "echo rbac-log; trap 'exit 0' TERM; sleep 1000000 & wait").endContainer().endSpec()
        .build()).create();
    watchOnce(sa.pods().inAnyNamespace().withLabels(labels));
    Pod running = PodLogsExecIT.await("pod Running", Duration.ofSeconds(120),
        () -> sa.pods().inNamespace(ns).withName("eci-rbac").get(),
        p -> p != null && p.getStatus() != null && "Running".equals(p.getStatus().getPhase()));
    assertThat(sa.pods().inAnyNamespace().withLabels(labels).list().getItems()).hasSize(1);
    sa.pods().inNamespace(ns).withName("eci-rbac").patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
        "{\"spec\":{\"containers\":[{\"name\":\"c1\",\"image\":\"" + TestCluster.BUSYBOX + "\"}]}}");
    assertThat(PodLogsExecIT.await("log", Duration.ofSeconds(30),
        () -> PodLogs.read(sa, ns, "eci-rbac", "c1", false, ContainerRuntime.LogQuery.all()),
        s -> s.contains("rbac-log"))).isEqualTo("rbac-log\n");
    ContainerRuntime.ExecResult r = PodExec.target(sa, running, "c1").exec(List.of("sh", "-c", "echo via-sa; exit 4"),
        Duration.ofSeconds(60), 1 << 16);
    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.stdout()).isEqualTo("via-sa\n");

    // events: list, watch
    sa.v1().events().inNamespace(ns).list();
    watchOnce(sa.v1().events().inAnyNamespace());

    sa.pods().inNamespace(ns).withName("eci-rbac").delete();
    sa.configMaps().inNamespace(ns).withName("eci-rbac-cf-1").delete();
    sa.secrets().inNamespace(ns).withName("eci-rbac-pull-1").delete();
    sa.services().inNamespace(ns).withName("eci-rbac-svc-1").delete();
    sa.persistentVolumeClaims().inNamespace(ns).withName("eci-rbac-disk-1").delete();

    // ... and no more
    assertForbidden(() -> sa.nodes().list());
    assertForbidden(() -> sa.namespaces().withName(ns).delete());
    assertForbidden(() -> sa.rbac().clusterRoles().list());
    assertForbidden(() -> sa.serviceAccounts().inNamespace(ns).list());
    assertForbidden(() -> sa.apps().deployments().inNamespace(ns).list());
    assertForbidden(() -> sa.v1().events().inNamespace(ns).withName("x").delete());
  }

  static void assertForbidden(Runnable call) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(KubernetesClientException.class,
        e -> assertThat(e.getCode()).isEqualTo(403));
  }

  /** Opens a watch and closes it again: a 403 fails the open. */
  static <T extends HasMetadata> void watchOnce(io.fabric8.kubernetes.client.dsl.Watchable<T> w) {
    try (Watch ignored = w.watch(new Watcher<T>() {
      @Override
      public void eventReceived(Action action, T resource) {}

      @Override
      public void onClose(WatcherException cause) {}
    })) {
      assertThat(ignored).isNotNull();
    }
  }
}
