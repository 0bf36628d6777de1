package dev.openeci.backend.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.config.PodPolicy;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KubernetesOptionsTest {
  static final String MAP = """
      {
        "default": {"nodeSelector": {"pool": "eci"}},
        "instanceTypes": {
          "ecs.gn6i-c4g1.xlarge": {"nodeSelector": {"gpu": "t4", "pool": "gpu"}},
          "*": {"nodeSelector": {"size": "any"}}
        },
        "spotStrategies": {
          "NoSpot": {"nodeSelector": {"lifecycle": "normal"}},
          "SpotAsPriceGo": {"nodeSelector": {"lifecycle": "spot"},
            "tolerations": [{"key": "spot", "value": "true", "effect": "NoSchedule"},
                            {"key": "evict", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30}]}
        },
        "zones": {"cn-hangzhou-b": {"nodeSelector": {"topology.kubernetes.io/zone": "b"}}}
      }
      """;

  @Test
  void defaults() {
    KubernetesOptions o = KubernetesOptions.defaults("inst", PodPolicy.DEFAULT);
    assertThat(o.instanceId()).isEqualTo("inst");
    assertThat(o.serviceType()).isEqualTo(KubernetesOptions.ServiceType.NodePort);
    assertThat(o.storageClass()).isNull();
    assertThat(o.nodeMap()).isEqualTo(KubernetesOptions.NodeMap.EMPTY);
    assertThat(o.podPolicy()).isEqualTo(PodPolicy.DEFAULT);
    assertThat(o.withStorageClass(" ").storageClass()).isNull();
    assertThatThrownBy(() -> KubernetesOptions.defaults(" ", PodPolicy.DEFAULT))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void serviceTypes() {
    assertThat(KubernetesOptions.ServiceType.parse("loadbalancer")).isEqualTo(KubernetesOptions.ServiceType.LoadBalancer);
    assertThat(KubernetesOptions.ServiceType.parse("NodePort")).isEqualTo(KubernetesOptions.ServiceType.NodePort);
    assertThat(KubernetesOptions.ServiceType.parse("none")).isEqualTo(KubernetesOptions.ServiceType.None);
    assertThatThrownBy(() -> KubernetesOptions.ServiceType.parse("ClusterIP"))
        .hasMessageContaining("NodePort, LoadBalancer or None");
  }

  static Stream<Arguments> placements() {
    return Stream.of(
        Arguments.of(null, null, null, Map.of("pool", "eci", "lifecycle", "normal"), 0),
        Arguments.of("ecs.gn6i-c4g1.xlarge", null, null, Map.of("pool", "gpu", "gpu", "t4", "lifecycle", "normal"), 0),
        Arguments.of("ecs.c6.large, ecs.gn6i-c4g1.xlarge", null, null,
            Map.of("pool", "gpu", "gpu", "t4", "lifecycle", "normal"), 0),
        Arguments.of("ecs.c6.large", null, null, Map.of("pool", "eci", "size", "any", "lifecycle", "normal"), 0),
        Arguments.of(null, "SpotAsPriceGo", null, Map.of("pool", "eci", "lifecycle", "spot"), 2),
        Arguments.of(null, "SpotWithPriceLimit", "cn-hangzhou-b",
            Map.of("pool", "eci", "topology.kubernetes.io/zone", "b"), 0),
        Arguments.of(null, null, "cn-hangzhou-z", Map.of("pool", "eci", "lifecycle", "normal"), 0));
  }

  @ParameterizedTest(name = "{0} / {1} / {2}")
  @MethodSource("placements")
  void placementFor(String type, String spot, String zone, Map<String, String> selector, int tolerations) {
    var p = KubernetesOptions.NodeMap.parse(MAP).placementFor(type, spot, zone);
    assertThat(p.nodeSelector()).isEqualTo(selector);
    assertThat(p.tolerations()).hasSize(tolerations);
  }

  @Test
  void tolerationsAreParsedAsInAPodSpec() {
    var p = KubernetesOptions.NodeMap.parse(MAP).placementFor(null, "SpotAsPriceGo", null);
    assertThat(p.tolerations()).containsExactly(
        new TolerationBuilder().withKey("spot").withOperator("Equal").withValue("true").withEffect("NoSchedule")
            .build(),
        new TolerationBuilder().withKey("evict").withOperator("Exists").withEffect("NoExecute")
            .withTolerationSeconds(30L).build());
  }

  @Test
  void loadsAFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("nodes.json");
    Files.writeString(f, MAP);
    assertThat(KubernetesOptions.NodeMap.load(f)).isEqualTo(KubernetesOptions.NodeMap.parse(MAP));
    Files.writeString(f, "{\"zone\": {}}");
    assertThatThrownBy(() -> KubernetesOptions.NodeMap.load(f)).hasMessageStartingWith(f.toString())
        .hasMessageContaining("unknown field \"zone\"");
    assertThat(KubernetesOptions.NodeMap.parse("{}")).isEqualTo(KubernetesOptions.NodeMap.EMPTY);
  }

  @Test
  void fromFlags(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("nodes.json");
    Files.writeString(f, MAP);
    KubernetesOptions o = KubernetesOptions.fromFlags("inst", "LoadBalancer", "fast", f, PodPolicy.DEFAULT);
    assertThat(o).isEqualTo(new KubernetesOptions("inst", KubernetesOptions.ServiceType.LoadBalancer, "fast",
        KubernetesOptions.NodeMap.parse(MAP), PodPolicy.DEFAULT));
    assertThat(KubernetesOptions.fromFlags("inst", null, null, null, PodPolicy.DEFAULT))
        .isEqualTo(KubernetesOptions.defaults("inst", PodPolicy.DEFAULT));
    assertThatThrownBy(() -> KubernetesOptions.fromFlags("inst", "ClusterIP", null, null, PodPolicy.DEFAULT))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KubernetesOptions.fromFlags("inst", null, null, dir.resolve("missing.json"),
        PodPolicy.DEFAULT)).isInstanceOf(java.io.IOException.class);
  }

  static Stream<Arguments> badMaps() {
    return Stream.of(
        Arguments.of("[", "not JSON"),
        Arguments.of("[]", "must be a JSON object"),
        Arguments.of("{\"zones\": []}", "zones must be an object"),
        Arguments.of("{\"zones\": {\"z\": {\"selector\": {}}}}", "zones.z: unknown field \"selector\""),
        Arguments.of("{\"default\": {\"nodeSelector\": {\"a b\": \"x\"}}}", "\"a b\" is not a label key"),
        Arguments.of("{\"default\": {\"nodeSelector\": {\"a\": \"x y\"}}}", "is not a label value"),
        Arguments.of("{\"default\": {\"nodeSelector\": {\"a\": 1}}}", "is not a label value"),
        Arguments.of("{\"default\": {\"tolerations\": {}}}", "tolerations must be an array"),
        Arguments.of("{\"default\": {\"tolerations\": [{\"key\": \"a\", \"operator\": \"In\"}]}}",
            "operator must be Exists or Equal"),
        Arguments.of("{\"default\": {\"tolerations\": [{\"key\": \"a\", \"effect\": \"Never\"}]}}",
            "effect must be NoSchedule"),
        Arguments.of("{\"default\": {\"tolerations\": [{\"value\": \"a\"}]}}", "an empty key needs operator Exists"),
        Arguments.of("{\"default\": {\"tolerations\": [{\"key\": \"a\", \"operator\": \"Exists\", \"value\": \"b\"}]}}",
            "Exists takes no value"),
        Arguments.of("{\"default\": {\"tolerations\": [{\"key\": \"a\", \"tolerationSeconds\": 5}]}}",
            "tolerationSeconds needs effect NoExecute"),
        Arguments.of("{\"default\": {\"tolerations\": [{\"key\": \"a\", \"colour\": \"red\"}]}}",
            "default.tolerations[0]: unknown field \"colour\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badMaps")
  void refusesBadMaps(String json, String message) {
    assertThatThrownBy(() -> KubernetesOptions.NodeMap.parse(json)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
