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

  /** Ids of the groups of server {@code owner} the backend still holds anything of (running or not). */
  java.util.Set<String> groupsHeld(String owner) {
    java.util.Set<String> ids = new java.util.TreeSet<>();
    if (this == LOCAL) {
      TestEngine.runtime().list(Map.of(Labels.OWNER, owner)).forEach(c -> ids.add(c.label(Labels.GROUP_ID)));
    } else {
      TestCluster.client().pods().inAnyNamespace().withLabel(KubernetesNames.OWNER, owner).list().getItems()
          .forEach(p -> ids.add(p.getMetadata().getLabels().get(KubernetesNames.GROUP_ID)));
    }
    return ids;
  }

  /**
   * Per group of server {@code owner}, what runs: local, the running sandbox and containers by
   * name; Kubernetes, the Pods not being deleted and their running containers by name.
   */
  Map<String, Map<String, Integer>> running(String owner) {
    Map<String, Map<String, Integer>> out = new java.util.TreeMap<>();
    if (this == LOCAL) {
      for (var c : TestEngine.runtime().list(Map.of(Labels.OWNER, owner))) {
        if (!c.running()) continue;
        String key = Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE)) ? "sandbox" : c.label(Labels.CONTAINER_NAME);
        out.computeIfAbsent(c.label(Labels.GROUP_ID), k -> new java.util.HashMap<>()).merge(key, 1, Integer::sum);
      }
      return out;
    }
    for (var p : TestCluster.client().pods().inAnyNamespace().withLabel(KubernetesNames.OWNER, owner).list()
        .getItems()) {
      if (p.getMetadata().getDeletionTimestamp() != null) continue;
      var counts = out.computeIfAbsent(p.getMetadata().getLabels().get(KubernetesNames.GROUP_ID),
          k -> new java.util.HashMap<>());
      counts.merge("pod", 1, Integer::sum);
      if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) continue;
      for (var cs : p.getStatus().getContainerStatuses()) {
        if (cs.getState() != null && cs.getState().getRunning() != null) counts.merge(cs.getName(), 1, Integer::sum);
      }
    }
    return out;
  }

  /** What {@link #running} shows for a healthy group with one container {@code name}. */
  Map<String, Integer> oneRunning(String name) {
    return Map.of(this == LOCAL ? "sandbox" : "pod", 1, name, 1);
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
