package dev.openeci.backend.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything one container group becomes on the cluster ({@link PodMapper#map}). Create order:
 * the namespace (AlreadyExists is fine), {@link #disks} (create if absent), then the owned objects
 * ({@link #configMaps}, {@link #pullSecret}, {@link #claims}), then the Pod, then the
 * {@link #service}; after the Pod exists, the backend sets an ownerReference to it on every object
 * of {@link #owned()}.
 *
 * @param namespace the account's namespace in the region (labels and annotations set)
 * @param pod the Pod, named by the group id, in {@code namespace}
 * @param configMaps one immutable ConfigMap per ConfigFileVolume (binaryData, content-hashed name)
 * @param pullSecret the {@code kubernetes.io/dockerconfigjson} Secret of ImageRegistryCredential,
 *     referenced by the Pod's imagePullSecrets; never log it
 * @param service the Service of a group with a public address and ports (type from the options)
 * @param claims PersistentVolumeClaims of DiskVolumes without DiskId and of FlexVolumes: the
 *     group's own, deleted with it (ownerReference to the Pod)
 * @param disks PersistentVolumeClaims of DiskVolumes with a DiskId ({@code disk-<DiskId>}, label
 *     {@code openeci.dev/disk-id}, no group id): the account's disks, which outlive any group. Create
 *     if absent, never set an ownerReference, never garbage-collect them with a group
 */
public record PodObjects(Namespace namespace, Pod pod, List<ConfigMap> configMaps, Optional<Secret> pullSecret,
    Optional<Service> service, List<PersistentVolumeClaim> claims, List<PersistentVolumeClaim> disks) {

  public PodObjects {
    configMaps = List.copyOf(configMaps);
    claims = List.copyOf(claims);
    disks = List.copyOf(disks);
  }

  /** The objects that get an ownerReference to the Pod and go with the group. */
  public List<io.fabric8.kubernetes.api.model.HasMetadata> owned() {
    List<io.fabric8.kubernetes.api.model.HasMetadata> out = new ArrayList<>(configMaps);
    pullSecret.ifPresent(out::add);
    service.ifPresent(out::add);
    out.addAll(claims);
    return out;
  }

  @Override
  public String toString() {
    // The Secret carries a registry password: never print its data.
    return "PodObjects[namespace=" + namespace.getMetadata().getName() + ", pod=" + pod.getMetadata().getName()
        + ", configMaps=" + configMaps.size() + ", pullSecret=" + pullSecret.map(s -> s.getMetadata().getName())
        .orElse("none") + ", service=" + service.map(s -> s.getMetadata().getName()).orElse("none") + ", claims="
        + claims.size() + ", disks=" + disks.size() + "]";
  }
}
