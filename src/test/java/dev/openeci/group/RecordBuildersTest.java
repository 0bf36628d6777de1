package dev.openeci.group;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.runtime.CreateContainer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The builders produce what the canonical constructors produce, so call sites can switch safely. */
class RecordBuildersTest {
  @Test
  void anEmptyBuilderGivesTheNoneConstants() {
    assertThat(ContainerSecurity.builder().build()).isEqualTo(
        new ContainerSecurity(List.of(), null, null, null, null, null));
    assertThat(PodOptions.Network.builder().build()).isEqualTo(new PodOptions.Network(null, null, null, null, null,
        null, null, null, null, null, null, null, null, null, null));
    assertThat(PodOptions.Placement.NONE.computeCategory()).isEmpty();
    assertThat(PodOptions.Images.NONE.credentials()).isEmpty();
    assertThat(PodOptions.Security.NONE.sysctls()).isEmpty();
  }

  @Test
  void basicFactoriesMatchTheCanonicalConstructors() {
    ContainerSpec c = ContainerSpec.basic("app", "busybox", PullPolicy.IfNotPresent, List.of("sh"), List.of("-c"),
        "/w", List.of(), 1.0, 2.0, List.of());
    assertThat(c).isEqualTo(new ContainerSpec("app", "busybox", PullPolicy.IfNotPresent, List.of("sh"), List.of("-c"),
        "/w", List.of(), 1.0, 2.0, List.of(), null, false, false, false, List.of(), ContainerSecurity.NONE, null, null,
        null, null, null, null, false));
    GroupSpec g = GroupSpec.basic("g", "z", RestartPolicy.Never, 1, 2, List.of(), List.of(), List.of(c), 30);
    assertThat(g).isEqualTo(new GroupSpec("g", "z", RestartPolicy.Never, 1, 2, List.of(), List.of(), List.of(c), 30,
        List.of(), null, null, null, null, null, null));
  }

  @Test
  void toBuilderChangesOnlyWhatIsSet() {
    ContainerSpec c = ContainerSpec.basic("app", "busybox", null, List.of(), List.of(), null, List.of(), null, null,
        List.of());
    ContainerSpec moved = c.toBuilder().image("busybox:2").build();
    assertThat(moved.image()).isEqualTo("busybox:2");
    assertThat(moved.toBuilder().image("busybox").build()).isEqualTo(c);
  }

  @Test
  void createContainerLeavesTheImagesEntrypointAndCmdAloneUnlessSet() {
    CreateContainer spec = CreateContainer.builder().name("n").image("i")
        .network(CreateContainer.Network.joinSandbox("sbx", "h", false)).build();
    assertThat(spec.entrypoint()).isNull();
    assertThat(spec.cmd()).isNull();
    assertThat(spec.labels()).isEmpty();
    assertThat(spec.env()).isEmpty();
    assertThat(spec.toBuilder().build()).isEqualTo(spec);
  }
}
