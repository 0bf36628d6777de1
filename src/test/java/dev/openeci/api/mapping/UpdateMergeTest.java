package dev.openeci.api.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.error.ApiException;
import dev.openeci.api.mapping.UpdateMerge.Type;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The merge rules of UpdateContainerGroup, one row per rule (docs/update.md). */
class UpdateMergeTest {
  static final Map<String, String> STORED = params(
      "ContainerGroupName", "web",
      "RestartPolicy", "Always",
      "Cpu", "1",
      "Memory", "2",
      "Tag.1.Key", "team", "Tag.1.Value", "a",
      "Tag.2.Key", "env", "Tag.2.Value", "dev",
      "Volume.1.Name", "data", "Volume.1.Type", "EmptyDirVolume",
      "DnsConfig.NameServer.1", "10.0.0.2",
      "DnsConfig.Search.1", "svc.local",
      "Container.1.Name", "app", "Container.1.Image", "img:1",
      "Container.1.EnvironmentVar.1.Key", "A", "Container.1.EnvironmentVar.1.Value", "1",
      "Container.1.LifecyclePreStopHandlerExec.1", "sleep",
      "Container.2.Name", "side", "Container.2.Image", "side:1",
      "ImageRegistryCredential.1.Server", "r1", "ImageRegistryCredential.1.UserName", "u",
      "ImageRegistryCredential.1.Password", "p");

  static Stream<Arguments> rules() {
    return Stream.of(
        Arguments.of("renew: scalars replace, other sections stay", Type.RenewUpdate,
            params("RestartPolicy", "Never"),
            with(STORED, "RestartPolicy", "Never")),
        Arguments.of("renew: a list given replaces the whole stored list", Type.RenewUpdate,
            params("Tag.1.Key", "only", "Tag.1.Value", "x"),
            without(with(STORED, "Tag.1.Key", "only", "Tag.1.Value", "x"), "Tag.2.Key", "Tag.2.Value")),
        Arguments.of("renew: containers given replace all containers", Type.RenewUpdate,
            params("Container.1.Name", "app", "Container.1.Image", "img:2"),
            without(with(STORED, "Container.1.Image", "img:2"), "Container.1.EnvironmentVar.1.Key",
                "Container.1.EnvironmentVar.1.Value", "Container.1.LifecyclePreStopHandlerExec.1",
                "Container.2.Name", "Container.2.Image")),
        Arguments.of("incremental: a container field replaces only that field", Type.IncrementalUpdate,
            params("Container.1.Name", "side", "Container.1.Image", "side:2"),
            with(STORED, "Container.2.Image", "side:2")),
        Arguments.of("incremental: a list field of a container is replaced as a whole", Type.IncrementalUpdate,
            params("Container.1.Name", "app", "Container.1.EnvironmentVar.1.Key", "B",
                "Container.1.EnvironmentVar.1.Value", "2"),
            with(STORED, "Container.1.EnvironmentVar.1.Key", "B", "Container.1.EnvironmentVar.1.Value", "2")),
        Arguments.of("incremental: a handler is one field (Exec -> HttpGet drops Exec)", Type.IncrementalUpdate,
            params("Container.1.Name", "app", "Container.1.LifecyclePreStopHandlerHttpGetPort", "80"),
            with(without(STORED, "Container.1.LifecyclePreStopHandlerExec.1"),
                "Container.1.LifecyclePreStopHandlerHttpGetPort", "80")),
        Arguments.of("incremental: an unknown container name is added", Type.IncrementalUpdate,
            params("Container.1.Name", "new", "Container.1.Image", "new:1"),
            with(STORED, "Container.3.Name", "new", "Container.3.Image", "new:1")),
        Arguments.of("incremental: tags merge by key", Type.IncrementalUpdate,
            params("Tag.1.Key", "env", "Tag.1.Value", "prod", "Tag.2.Key", "owner", "Tag.2.Value", "me"),
            with(STORED, "Tag.2.Value", "prod", "Tag.3.Key", "owner", "Tag.3.Value", "me")),
        Arguments.of("incremental: a DnsConfig member replaces only that member", Type.IncrementalUpdate,
            params("DnsConfig.NameServer.1", "10.0.0.3"),
            with(STORED, "DnsConfig.NameServer.1", "10.0.0.3")),
        Arguments.of("incremental: registry credentials are always replaced wholesale", Type.IncrementalUpdate,
            params("ImageRegistryCredential.1.Server", "r2", "ImageRegistryCredential.1.UserName", "v",
                "ImageRegistryCredential.1.Password", "q"),
            with(STORED, "ImageRegistryCredential.1.Server", "r2", "ImageRegistryCredential.1.UserName", "v",
                "ImageRegistryCredential.1.Password", "q")),
        Arguments.of("parameters outside the update's sections are ignored", Type.RenewUpdate,
            params("ContainerGroupName", "other", "ZoneId", "x", "RegionId", "cn-hangzhou"),
            STORED),
        Arguments.of("the update spelling HttpGetHttpHeaders is normalized to Create's", Type.IncrementalUpdate,
            params("Container.1.Name", "app", "Container.1.LifecyclePostStartHandlerHttpGetHttpHeaders.1.Name", "h",
                "Container.1.LifecyclePostStartHandlerHttpGetHttpHeaders.1.Value", "v"),
            with(STORED, "Container.1.LifecyclePostStartHandlerHttpGetHttpHeader.1.Name", "h",
                "Container.1.LifecyclePostStartHandlerHttpGetHttpHeader.1.Value", "v")),
        Arguments.of("gaps in update indexes are closed", Type.IncrementalUpdate,
            params("Volume.7.Name", "cfg", "Volume.7.Type", "ConfigFileVolume"),
            with(STORED, "Volume.2.Name", "cfg", "Volume.2.Type", "ConfigFileVolume")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void mergesByTheDocumentedRules(String rule, Type type, Map<String, String> update, Map<String, String> expected) {
    assertThat(UpdateMerge.merge(STORED, update, type)).isEqualTo(new TreeMap<>(expected));
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of(params("Container.1.Image", "x"), "MissingParameter", "Container.1.Name"),
        Arguments.of(params("Tag.1.Value", "x"), "MissingParameter", "Tag.1.Key"),
        Arguments.of(params("Container.x.Name", "a"), "InvalidParameter", "Container.x.Name"));
  }

  @ParameterizedTest
  @MethodSource("errors")
  void incrementalItemsNeedTheirKey(Map<String, String> update, String code, String names) {
    assertThatThrownBy(() -> UpdateMerge.merge(STORED, update, Type.IncrementalUpdate))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessageContaining(names);
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"Renew", "incrementalupdate", "Full"})
  void anUnknownUpdateTypeIsInvalid(String value) {
    assertThatThrownBy(() -> UpdateMerge.type(value)).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.code()).isEqualTo("InvalidParameter")).hasMessageContaining("UpdateType");
  }

  static Map<String, String> params(String... kv) {
    Map<String, String> m = new TreeMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  static Map<String, String> with(Map<String, String> base, String... kv) {
    Map<String, String> m = new TreeMap<>(base);
    m.putAll(params(kv));
    return m;
  }

  static Map<String, String> without(Map<String, String> base, String... keys) {
    Map<String, String> m = new TreeMap<>(base);
    for (String k : keys) m.remove(k);
    return m;
  }
}
