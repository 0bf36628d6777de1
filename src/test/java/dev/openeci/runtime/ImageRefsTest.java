package dev.openeci.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageRefsTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "busybox, docker.io",
      "library/busybox:1.36, docker.io",
      "nginx@sha256:abc, docker.io",
      "docker.io/library/nginx, docker.io",
      "index.docker.io/library/nginx:1, docker.io",
      "registry.example.com/ns/app:1, registry.example.com",
      "Registry.Example.com/ns/app, registry.example.com",
      "127.0.0.1:5000/openeci/marker:1, 127.0.0.1:5000",
      "localhost/openeci/pause:1, localhost",
      "localhost:5000/x, localhost:5000",
      "user/repo:tag, docker.io",
  })
  void registryOfAnImageReference(String image, String registry) {
    assertThat(ImageRefs.registry(image)).isEqualTo(registry);
  }

  @ParameterizedTest(name = "server {0} for {1}: {2}")
  @CsvSource({
      "127.0.0.1:5000, 127.0.0.1:5000/a/b:1, true",
      "https://127.0.0.1:5000/, 127.0.0.1:5000/a/b:1, true",
      "http://127.0.0.1:5000/v2/, 127.0.0.1:5000/a/b:1, true",
      "127.0.0.1:5001, 127.0.0.1:5000/a/b:1, false",
      "127.0.0.1, 127.0.0.1:5000/a/b:1, false",
      "registry.example.com, registry.example.com:443/a:1, true",
      "registry.example.com, registry.example.com/a:1, true",
      "registry.example.com, other.example.com/a:1, false",
      "https://index.docker.io/v1/, busybox, true",
      "docker.io, library/nginx:1, true",
      "registry.example.com, busybox, false",
      "'', busybox, false",
  })
  void credentialsAndInsecureListsMatchByRegistryServer(String server, String image, boolean same) {
    assertThat(ImageRefs.sameRegistry(server, image)).isEqualTo(same);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "127.0.0.1:5000/a:1, 127.0.0.1:5000, '', true",
      "127.0.0.1:5000/a:1, '', 127.0.0.1:5000, true",
      "127.0.0.1:5000/a:1, 127.0.0.1:5001, 10.0.0.1:5000, false",
      "busybox, '', '', false",
  })
  void insecureWhenListedInEitherParameter(String image, String plain, String insecure, boolean expected) {
    List<String> p = plain.isEmpty() ? List.of() : List.of(plain);
    List<String> i = insecure.isEmpty() ? List.of() : List.of(insecure);
    assertThat(ImageRefs.insecure(image, p, i)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "Pulling fs layer abc, false",
      "Downloading 12%, false",
      "Download complete abc, true",
      "Pull complete abc, true",
      "Copying blob sha256:abc, true",
      "Writing manifest to image destination, true",
      "Status: Downloaded newer image for x, true",
  })
  void pullProgressLogsMilestones(String line, boolean milestone) {
    assertThat(PullProgress.milestone(line)).isEqualTo(milestone);
  }

  @org.junit.jupiter.api.Test
  void registryAuthNeverShowsThePassword() {
    assertThat(new RegistryAuth("r", "u", "secret-pw").toString()).doesNotContain("secret-pw");
  }
}
