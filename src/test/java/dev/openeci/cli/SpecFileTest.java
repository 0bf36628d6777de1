package dev.openeci.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecFileTest {
  @Test
  void nestedYamlIsFlattenedWithOneBasedIndexes() {
    Map<String, String> p = SpecFile.parse("""
        ContainerGroupName: web
        Cpu: 0.5
        Memory: 1
        AutoCreateEip: true
        Tag:
          - Key: app
            Value: demo
        Container:
          - Name: nginx
            Image: nginx:1.27
            Command: [sh, -c, "echo hi"]
            EnvironmentVar:
              - Key: A
                Value: "01"
              - Key: IP
                FieldRef:
                  FieldPath: status.podIP
            Port:
              - Port: 80
                Protocol: TCP
          - Name: sidecar
            Image: busybox
        """, "spec.yaml");
    assertThat(p).containsExactly(
        Map.entry("ContainerGroupName", "web"), Map.entry("Cpu", "0.5"), Map.entry("Memory", "1"),
        Map.entry("AutoCreateEip", "true"), Map.entry("Tag.1.Key", "app"), Map.entry("Tag.1.Value", "demo"),
        Map.entry("Container.1.Name", "nginx"), Map.entry("Container.1.Image", "nginx:1.27"),
        Map.entry("Container.1.Command.1", "sh"), Map.entry("Container.1.Command.2", "-c"),
        Map.entry("Container.1.Command.3", "echo hi"),
        Map.entry("Container.1.EnvironmentVar.1.Key", "A"), Map.entry("Container.1.EnvironmentVar.1.Value", "01"),
        Map.entry("Container.1.EnvironmentVar.2.Key", "IP"),
        Map.entry("Container.1.EnvironmentVar.2.FieldRef.FieldPath", "status.podIP"),
        Map.entry("Container.1.Port.1.Port", "80"), Map.entry("Container.1.Port.1.Protocol", "TCP"),
        Map.entry("Container.2.Name", "sidecar"), Map.entry("Container.2.Image", "busybox"));
  }

  @Test
  void flattenedJsonIsTakenAsIsAndMayBeMixedWithNested() {
    Map<String, String> p = SpecFile.parse("""
        {"ContainerGroupName": "web", "Container.1.Name": "a", "Container.1.Image": "busybox",
         "Container.1.Arg": ["x", "y"], "Volume": [{"Name": "v", "Type": "EmptyDirVolume"}]}
        """, "spec.json");
    assertThat(p).containsExactly(Map.entry("ContainerGroupName", "web"), Map.entry("Container.1.Name", "a"),
        Map.entry("Container.1.Image", "busybox"), Map.entry("Container.1.Arg.1", "x"),
        Map.entry("Container.1.Arg.2", "y"), Map.entry("Volume.1.Name", "v"),
        Map.entry("Volume.1.Type", "EmptyDirVolume"));
  }

  @Test
  void nullsAreAbsent() {
    assertThat(SpecFile.parse("ContainerGroupName: a\nZoneId: null\nHostName: ~\n", "f")).containsOnlyKeys(
        "ContainerGroupName");
  }

  @Test
  void theSameParameterTwiceIsRefused() {
    assertThatThrownBy(() -> SpecFile.parse("{\"Container.1.Name\": \"a\", \"Container\": [{\"Name\": \"b\"}]}", "f"))
        .isInstanceOf(CliException.class).hasMessageContaining("Container.1.Name is given twice");
  }

  @Test
  void protocolParametersAreNotSpecParameters() {
    assertThatThrownBy(() -> SpecFile.parse("Action: DeleteContainerGroup\n", "f"))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode).isEqualTo(2))
        .hasMessageContaining("Action is not a parameter");
  }

  @Test
  void notAnObjectOrNotYamlIsAUsageError() {
    assertThatThrownBy(() -> SpecFile.parse("- a\n- b\n", "f")).isInstanceOf(CliException.class)
        .hasMessageContaining("must hold an object");
    assertThatThrownBy(() -> SpecFile.parse("{\"a\": [1,", "f")).isInstanceOf(CliException.class)
        .hasMessageContaining("not YAML or JSON");
  }

  @Test
  void flagsOverrideTheFileAndAppendToItsLists() {
    GroupCommands.SpecFlags f = new GroupCommands.SpecFlags();
    f.cpu = "2";
    f.image = "busybox:2";
    f.env.add("B=2=3");
    f.ports.add("53/udp");
    f.command.add("sleep");
    f.tags.add("team=a");
    Map<String, String> p = new java.util.LinkedHashMap<>(SpecFile.parse("""
        Cpu: 1
        Tag: [{Key: old, Value: x}]
        Container:
          - Name: c
            Image: busybox:1
            Command: [sh, -c, x]
            EnvironmentVar: [{Key: A, Value: "1"}]
        """, "f"));
    f.apply(p, "Container.1.", java.util.List.of("3600"));
    assertThat(p).containsEntry("Cpu", "2").containsEntry("Container.1.Image", "busybox:2")
        .containsEntry("Container.1.EnvironmentVar.1.Key", "A")
        .containsEntry("Container.1.EnvironmentVar.2.Key", "B").containsEntry("Container.1.EnvironmentVar.2.Value", "2=3")
        .containsEntry("Container.1.Port.1.Port", "53").containsEntry("Container.1.Port.1.Protocol", "UDP")
        .containsEntry("Container.1.Command.1", "sleep").containsEntry("Container.1.Command.2", "3600")
        .doesNotContainKey("Container.1.Command.3")
        .containsEntry("Tag.1.Key", "team").containsEntry("Tag.1.Value", "a");
  }

  @Test
  void badFlagValuesAreUsageErrors() {
    GroupCommands.SpecFlags f = new GroupCommands.SpecFlags();
    f.env.add("NOVALUE");
    assertThatThrownBy(() -> f.apply(new java.util.LinkedHashMap<>(), "Container.1.", null))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode).isEqualTo(2))
        .hasMessageContaining("--env wants KEY=VALUE");
    GroupCommands.SpecFlags g = new GroupCommands.SpecFlags();
    g.ports.add("http");
    assertThatThrownBy(() -> g.apply(new java.util.LinkedHashMap<>(), "Container.1.", null))
        .hasMessageContaining("--port wants PORT[/PROTOCOL]");
  }
}
