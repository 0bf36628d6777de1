package dev.openeci.e2e;

import dev.openeci.backend.kubernetes.KubernetesNames;
import dev.openeci.runtime.Labels;
import dev.openeci.testing.TestCluster;
import dev.openeci.testing.TestEngine;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The backends the official-SDK scenarios run against, so one test class covers both
 * ({@code @ParameterizedClass @MethodSource("dev.openeci.e2e.TestBackend#enabled")}): the local
 * engine (Podman) and the real single-node Kubernetes cluster of {@code scripts/setup-kubernetes.sh}.
 * {@code -Dopeneci.backends=local} (or env {@code OPENECI_TEST_BACKENDS}) narrows the list.
 */
enum TestBackend {
  LOCAL,
  KUBERNETES;

  /** The backends to run: all, unless narrowed by -Dopeneci.backends / OPENECI_TEST_BACKENDS. */
  static Stream<TestBackend> enabled() {
    String list = System.getProperty("openeci.backends", System.getenv().getOrDefault("OPENECI_TEST_BACKENDS", ""));
    if (list.isBlank()) return Arrays.stream(values());
    return Arrays.stream(list.split(",")).map(s -> valueOf(s.trim().toUpperCase(Locale.ROOT)));
  }

  /** An openeci server process on this backend (not started). */
  ServerProcess server(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    return switch (this) {
      case LOCAL -> new ServerProcess(dataDir, TestEngine.endpoint());
      // Requests at a tenth of the limits: the test node has 2 CPUs, the scenarios ask for more.
      case KUBERNETES -> new ServerProcess(dataDir, null).withArgs("--backend", "kubernetes", "--kubeconfig",
          TestCluster.kubeconfig().toString(), "--k8s-request-percent", "10");
    };
  }

  /** The busybox test image, present in the engine or the cluster's containerd. */
  String busybox() {
    return this == LOCAL ? TestEngine.busyboxImage() : TestCluster.BUSYBOX;
  }

  /**
   * What the backend holds for a group, as sorted ids: engine containers (local), or the uids of
   * its Pod and the objects made with it (Kubernetes). Empty once the group is gone.
   */
  List<String> objects(String groupId) {
    if (this == LOCAL) {
      return TestEngine.runtime().list(Map.of(Labels.GROUP_ID, groupId)).stream().map(c -> c.id()).sorted().toList();
    }
    KubernetesClient k = TestCluster.client();
    List<HasMetadata> found = new ArrayList<>();
    found.addAll(k.pods().inAnyNamespace().withLabel(KubernetesNames.GROUP_ID, groupId).list().getItems());
    found.addAll(k.configMaps().inAnyNamespace().withLabel(KubernetesNames.GROUP_ID, groupId).list().getItems());
    found.addAll(k.secrets().inAnyNamespace().withLabel(KubernetesNames.GROUP_ID, groupId).list().getItems());
    found.addAll(k.services().inAnyNamespace().withLabel(KubernetesNames.GROUP_ID, groupId).list().getItems());
    return found.stream().map(o -> o.getKind() + "/" + o.getMetadata().getUid()).sorted().toList();
  }

  /** Removes what a test server left in the cluster: its namespaces (pods first, at once). */
  void removeLeftovers(Path dataDir) {
    Path idFile = dataDir.resolve("instance-id");
    if (this != KUBERNETES || !Files.exists(idFile)) return;
    try {
      String instance = Files.readString(idFile).trim();
      KubernetesClient k = TestCluster.client();
      for (var ns : k.namespaces().withLabel(KubernetesNames.OWNER, instance).list().getItems()) {
        TestCluster.deleteNamespace(ns.getMetadata().getName());
      }
    } catch (IOException | KubernetesClientException e) {
      System.err.println("TestBackend: leftovers of " + dataDir + " not removed: " + e);
    }
  }
}
