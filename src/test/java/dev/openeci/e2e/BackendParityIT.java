package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same group on both backends, side by side, read with the official client: an init
 * container, an app with a readiness probe, and a sidecar that crashes (exit 3) and is restarted.
 * Once each backend shows the init container Completed, the app Ready and the sidecar restarted,
 * their Describe output must agree field by field on everything but identities, addresses, times
 * and the sidecar's position in its crash loop (how many restarts, and whether it is running or
 * backing off at that instant). Both normalized outputs are printed as {@code backend-parity:}.
 */
class BackendParityIT {
  @TempDir
  static Path dataDir;

  static Map<String, Object> group(String image) {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupName", "parity-" + SdkEndToEndIT.shortId());
    q.put("RestartPolicy", "Always");
    q.put("Cpu", 1.0);
    q.put("Memory", 2.0);
    q.put("Tag.1.Key", "suite");
    q.put("Tag.1.Value", "parity");
    q.put("InitContainer.1.Name", "setup");
    q.put("InitContainer.1.Image", image);
    q.put("InitContainer.1.ImagePullPolicy", "IfNotPresent");
    q.put("InitContainer.1.Command.1", "/bin/sh");
    q.put("InitContainer.1.Arg.1", "-c");
    q.put("InitContainer.1.Arg.2", "echo ready > /work/flag");
    q.put("InitContainer.1.VolumeMount.1.Name", "work");
    q.put("InitContainer.1.VolumeMount.1.MountPath", "/work");
    q.put("Container.1.Name", "app");
    q.put("Container.1.Image", image);
    q.put("Container.1.ImagePullPolicy", "IfNotPresent");
    q.put("Container.1.Command.1", "/bin/sh");
    q.put("Container.1.Arg.1", "-c");
    q.put("Container.1.Arg.2", "trap 'exit 0' TERM; while true; do sleep 1; done");
    q.put("Container.1.VolumeMount.1.Name", "work");
    q.put("Container.1.VolumeMount.1.MountPath", "/work");
    q.put("Container.1.ReadinessProbe.Exec.Command.1", "cat");
    q.put("Container.1.ReadinessProbe.Exec.Command.2", "/work/flag");
    q.put("Container.1.ReadinessProbe.PeriodSeconds", 1);
    q.put("Container.2.Name", "sidecar");
    q.put("Container.2.Image", image);
    q.put("Container.2.ImagePullPolicy", "IfNotPresent");
    q.put("Container.2.Command.1", "/bin/sh");
    q.put("Container.2.Arg.1", "-c");
    q.put("Container.2.Arg.2", "echo crashing; sleep 1; exit 3");
    q.put("Volume.1.Name", "work");
    q.put("Volume.1.Type", "EmptyDirVolume");
    return q;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> container(Map<String, Object> g, String key, String name) {
    for (Map<String, Object> c : (List<Map<String, Object>>) g.getOrDefault(key, List.of())) {
      if (name.equals(c.get("Name"))) return c;
    }
    return Map.of();
  }

  @SuppressWarnings("unchecked")
  static boolean settled(Map<String, Object> g) {
    Map<String, Object> init = container(g, "InitContainers", "setup");
    Map<String, Object> app = container(g, "Containers", "app");
    Map<String, Object> sidecar = container(g, "Containers", "sidecar");
    Map<String, Object> prev = (Map<String, Object>) sidecar.getOrDefault("PreviousState", Map.of());
    return "Running".equals(g.get("Status"))
        && "Terminated".equals(((Map<String, Object>) init.getOrDefault("CurrentState", Map.of())).get("State"))
        && Boolean.TRUE.equals(app.get("Ready"))
        && ((Number) sidecar.getOrDefault("RestartCount", 0)).intValue() >= 1
        && "Terminated".equals(prev.get("State"));
  }

  /** Describe without what differs by nature: ids, addresses, times, the crash loop's position. */
  @SuppressWarnings("unchecked")
  static Object normalize(Object o, String key) {
    if (o instanceof Map<?, ?> m) {
      Map<String, Object> out = new TreeMap<>();
      for (var e : m.entrySet()) {
        String k = (String) e.getKey();
        if (k.endsWith("Time") || k.equals("ContainerGroupId") || k.equals("ContainerGroupName")
            || k.endsWith("Ip") || k.equals("Events") || k.equals("Eni") || k.equals("InstanceId")
            || k.equals("ContainerId")) {
          continue;
        }
        out.put(k, normalize(e.getValue(), k));
      }
      if ("sidecar".equals(out.get("Name"))) {
        out.put("RestartCount", ">= 1");
        out.remove("CurrentState"); // Running, Waiting CrashLoopBackOff or Terminated, by the instant
        out.put("Ready", "(not compared)");
      }
      return out;
    }
    if (o instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object x : l) out.add(normalize(x, key));
      return out;
    }
    return o;
  }

  @Test
  void theSameGroupDescribesTheSameOnBothBackends() throws Exception {
    Map<TestBackend, Object> normalized = new LinkedHashMap<>();
    Map<TestBackend, Map<String, Object>> raw = new LinkedHashMap<>();
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    for (TestBackend b : TestBackend.enabled().toList()) {
      try (ServerProcess server = b.server(dataDir.resolve(b.name().toLowerCase())).start()) {
        var client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET,
            false);
        String id = (String) EciClients.call(client, "CreateContainerGroup", group(b.busybox()))
            .get("ContainerGroupId");
        Map<String, Object> g = SdkEndToEndIT.awaitGroup(client, id, BackendParityIT::settled,
            b + ": init Completed, app Ready, sidecar restarted", server::logText);
        raw.put(b, g);
        normalized.put(b, normalize(g, ""));
        System.out.println("backend-parity: " + b + " Describe (raw):\n" + json.writeValueAsString(g));
        System.out.println("backend-parity: " + b + " Describe (normalized):\n"
            + json.writeValueAsString(normalized.get(b)));
        EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
      }
    }
    if (normalized.size() == 2) {
      assertThat(json.writeValueAsString(normalized.get(TestBackend.KUBERNETES)))
          .as("Kubernetes vs local Describe")
          .isEqualTo(json.writeValueAsString(normalized.get(TestBackend.LOCAL)));
    }
  }
}
