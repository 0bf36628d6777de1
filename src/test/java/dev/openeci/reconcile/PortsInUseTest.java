package dev.openeci.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.runtime.CreateContainer;
import dev.openeci.runtime.ImageRefs;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortsInUseTest {
  @Test
  void recognisesPodmanAndDockerRefusals() {
    assertThat(PortsInUse.is("{\"cause\":\"address already in use\",\"message\":\"rootlessport listen tcp "
        + "127.0.0.1:8080: bind: address already in use\",\"response\":500}")).isTrue();
    assertThat(PortsInUse.is("driver failed programming external connectivity: Bind for 127.0.0.1:8080 failed:"
        + " port is already allocated")).isTrue();
    assertThat(PortsInUse.is("no such network")).isFalse();
    assertThat(PortsInUse.is(null)).isFalse();
  }

  @Test
  void theMessageNamesThePortsAndTheWayOut() {
    String m = PortsInUse.message(List.of(new CreateContainer.PortBinding(8080, "TCP", "127.0.0.1", 8080),
        new CreateContainer.PortBinding(53, "UDP", "127.0.0.1", 53)), "127.0.0.1");
    assertThat(m).contains("127.0.0.1 (8080/TCP, 53/UDP)").contains("already in use by another process")
        .doesNotContain("{");
  }

  @Test
  void localhostImagesAreNeverPulledButLoopbackRegistriesAre() {
    assertThat(ImageRefs.localOnly("localhost/x:1")).isTrue();
    assertThat(ImageRefs.localOnly("localhost:5000/x:1")).isFalse();
    assertThat(ImageRefs.localOnly("busybox")).isFalse();
    assertThat(ImageRefs.notInLocalStore("localhost/x")).isEqualTo("the image localhost/x is not in the engine's"
        + " local store; localhost/ images are never pulled: load it with podman load (or docker load) or build it"
        + " on the engine's host");
  }
}
