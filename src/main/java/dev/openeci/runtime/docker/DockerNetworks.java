package dev.openeci.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.openeci.runtime.RuntimeFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static dev.openeci.runtime.docker.DockerErrors.failure;

/**
 * Account networks (isolated bridges) and group volumes. Remembers the networks it created or
 * found, so a sandbox costs no extra engine call; {@link #forget} drops one a create found gone.
 */
final class DockerNetworks {
  private static final Logger log = LoggerFactory.getLogger(DockerNetworks.class);
  private final DockerClient client;

  DockerNetworks(DockerClient client) {
    this.client = client;
  }

  /** The engine said the network is missing (removed meanwhile): the next ensure makes it again. */
  void forget(String name) {
    knownNetworks.remove(name);
  }

  String ensureVolume(String name, Map<String, String> driverOptions, Map<String, String> labels) {
    try {
      return ours(client.inspectVolumeCmd(name).exec(), labels);
    } catch (NotFoundException e) {
      // create it below
    } catch (RuntimeException e) {
      throw failure("inspect volume " + name, e);
    }
    try {
      var cmd = client.createVolumeCmd().withName(name).withDriver("local").withLabels(labels);
      if (!driverOptions.isEmpty()) cmd.withDriverOpts(driverOptions);
      return cmd.exec().getMountpoint();
    } catch (RuntimeException e) {
      com.github.dockerjava.api.command.InspectVolumeResponse existing;
      try {
        existing = client.inspectVolumeCmd(name).exec(); // created concurrently
      } catch (RuntimeException ignored) {
        throw failure("create volume " + name, e);
      }
      return ours(existing, labels);
    }
  }

  /**
   * The mountpoint of an existing volume that carries every label it would have been created
   * with; a volume of that name made by anyone else (another openeci, another account, an
   * operator) is not used.
   */
  private static String ours(com.github.dockerjava.api.command.InspectVolumeResponse v, Map<String, String> labels) {
    Map<String, String> have = v.getLabels() == null ? Map.of() : v.getLabels();
    if (!have.entrySet().containsAll(labels.entrySet())) {
      throw new RuntimeFailure("engine volume " + v.getName() + " exists but does not belong to this group or"
          + " account (its labels differ); it is not mounted");
    }
    return v.getMountpoint();
  }

  /** Networks this runtime created or found, so a sandbox costs no extra engine call. */
  private final java.util.Set<String> knownNetworks = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A bridge network with netavark's {@code isolate} option: the engine drops traffic between two
   * isolated networks in both directions (NETAVARK_ISOLATION iptables chains), so groups of two
   * accounts cannot reach each other while groups of one account share a subnet.
   */
  String ensureNetwork(String name, Map<String, String> labels) {
    if (knownNetworks.contains(name)) return name;
    try {
      client.inspectNetworkCmd().withNetworkId(name).exec();
      knownNetworks.add(name);
      return name;
    } catch (NotFoundException e) {
      // create it below
    } catch (RuntimeException e) {
      throw failure("inspect network " + name, e);
    }
    try {
      client.createNetworkCmd().withName(name).withDriver("bridge").withLabels(labels)
          .withOptions(Map.of("isolate", "true")).withCheckDuplicate(true).exec();
      log.info("created network {} (isolated bridge)", name);
    } catch (RuntimeException e) {
      try {
        client.inspectNetworkCmd().withNetworkId(name).exec(); // created concurrently
      } catch (RuntimeException ignored) {
        throw failure("create network " + name, e);
      }
    }
    knownNetworks.add(name);
    return name;
  }

  boolean removeNetworkIfUnused(String name) {
    try {
      var n = client.inspectNetworkCmd().withNetworkId(name).exec();
      if (n.getContainers() != null && !n.getContainers().isEmpty()) return false;
      knownNetworks.remove(name);
      client.removeNetworkCmd(name).exec();
      log.info("removed network {} (no group uses it)", name);
      return true;
    } catch (NotFoundException e) {
      knownNetworks.remove(name);
      return true;
    } catch (RuntimeException e) {
      return false; // in use (the engine refuses) or unreachable: kept, tried again on the next delete
    }
  }

  void removeNetworks(Map<String, String> labels) {
    List<com.github.dockerjava.api.model.Network> found;
    try {
      found = client.listNetworksCmd().exec();
    } catch (RuntimeException e) {
      throw failure("list networks", e);
    }
    for (var n : found) {
      Map<String, String> l = n.getLabels() == null ? Map.of() : n.getLabels();
      if (l.entrySet().containsAll(labels.entrySet())) removeNetworkIfUnused(n.getName());
    }
  }

  void removeVolumes(Map<String, String> labels) {
    List<String> filters = new ArrayList<>();
    labels.forEach((k, v) -> filters.add(k + "=" + v));
    List<com.github.dockerjava.api.command.InspectVolumeResponse> found;
    try {
      found = client.listVolumesCmd().withFilter("label", filters).exec().getVolumes();
    } catch (RuntimeException e) {
      throw failure("list volumes", e);
    }
    if (found == null) return;
    for (var v : found) {
      Map<String, String> l = v.getLabels() == null ? Map.of() : v.getLabels();
      if (!l.entrySet().containsAll(labels.entrySet())) continue; // engines that ignore the filter
      try {
        client.removeVolumeCmd(v.getName()).exec();
      } catch (NotFoundException e) {
        // gone already
      } catch (RuntimeException e) {
        throw failure("remove volume " + v.getName(), e);
      }
    }
  }

}
