package dev.openeci.backend.kubernetes;

import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Optional;

/**
 * TEMPORARY STUB so the backend compiles before branch k8s-mapping is merged: the real PodMapper
 * (k8s-mapping) replaces this file. Only names, labels and images are mapped here.
 */
public final class PodMapper {
  private PodMapper() {}

  public static PodObjects map(ContainerGroup g, KubernetesOptions options) {
    String ns = KubernetesNames.namespace(options.instanceId(), g.accountId(), g.regionId());
    Namespace namespace = new NamespaceBuilder().withNewMetadata().withName(ns)
        .withLabels(KubernetesNames.namespaceLabels(options.instanceId(), g.accountId(), g.regionId()))
        .endMetadata().build();
    Pod pod = new PodBuilder().withNewMetadata().withName(KubernetesNames.pod(g.id())).withNamespace(ns)
        .withLabels(KubernetesNames.podLabels(g, options.instanceId())).endMetadata()
        .withNewSpec().withInitContainers(containers(g.spec().initContainers()))
        .withContainers(containers(g.spec().containers()))
        .withTerminationGracePeriodSeconds((long) g.spec().terminationGracePeriodSeconds())
        .withRestartPolicy(g.spec().restartPolicy().name()).endSpec().build();
    return new PodObjects(namespace, pod, List.of(), Optional.empty(), Optional.empty(), List.of(), List.of());
  }

  private static List<Container> containers(List<ContainerSpec> specs) {
    return specs.stream().map(c -> new ContainerBuilder().withName(c.name()).withImage(c.image())
        .withCommand(c.command()).withArgs(c.args()).build()).toList();
  }

  /** True when {@code after} differs from {@code before} in container images only. */
  public static boolean imageOnlyChange(Pod before, Pod after) {
    Pod a = new PodBuilder(before).build();
    Pod b = new PodBuilder(after).build();
    a.setStatus(null);
    b.setStatus(null);
    a.getSpec().getContainers().forEach(c -> c.setImage(null));
    b.getSpec().getContainers().forEach(c -> c.setImage(null));
    a.getSpec().getInitContainers().forEach(c -> c.setImage(null));
    b.getSpec().getInitContainers().forEach(c -> c.setImage(null));
    return a.getSpec().equals(b.getSpec());
  }

  public static void validate(GroupSpec spec, KubernetesOptions options) {}
}
