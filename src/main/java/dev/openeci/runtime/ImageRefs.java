package dev.openeci.runtime;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which registry an image reference names, and which of a request's registry settings apply to it
 * (ImageRegistryCredential by Server, PlainHttpRegistry / InsecureRegistry by address). Follows the
 * Docker reference rules: the first path component is a registry when it contains a dot or a
 * colon or is {@code localhost}; otherwise the image is on Docker Hub ({@code docker.io}).
 */
public final class ImageRefs {
  public static final String DOCKER_HUB = "docker.io";
  /** The registry of images built or imported into the engine itself (Podman's {@code localhost/} prefix). */
  public static final String LOCAL = "localhost";
  private static final List<String> HUB_ALIASES = List.of("docker.io", "index.docker.io", "registry-1.docker.io",
      "registry.hub.docker.com");

  private ImageRefs() {}

  /**
   * True for {@code localhost/...}: an image built or loaded into the engine itself, which no
   * registry serves (unlike {@code localhost:5000/...}, a registry on the loopback address).
   */
  public static boolean localOnly(String image) {
    return LOCAL.equals(registry(image));
  }

  /** What a user is told when a {@link #localOnly} image is missing from the engine. */
  public static String notInLocalStore(String image) {
    return "the image " + image + " is not in the engine's local store; localhost/ images are never pulled: load it"
        + " with podman load (or docker load) or build it on the engine's host";
  }

  /** The registry address ({@code host[:port]}, lower case) of an image reference. */
  public static String registry(String image) {
    String ref = image.trim();
    int slash = ref.indexOf('/');
    if (slash < 0) return DOCKER_HUB;
    String first = ref.substring(0, slash);
    if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
      String host = first.toLowerCase(Locale.ROOT);
      return HUB_ALIASES.contains(host) ? DOCKER_HUB : host;
    }
    return DOCKER_HUB;
  }

  /**
   * A registry address as a user writes it (maybe with {@code https://}, a path such as
   * {@code /v1/}, or a trailing slash), reduced to {@code host[:port]} in lower case.
   */
  public static String normalizeServer(String server) {
    if (server == null) return "";
    String s = server.trim().toLowerCase(Locale.ROOT);
    int scheme = s.indexOf("://");
    if (scheme >= 0) s = s.substring(scheme + 3);
    int slash = s.indexOf('/');
    if (slash >= 0) s = s.substring(0, slash);
    return HUB_ALIASES.contains(s) ? DOCKER_HUB : s;
  }

  /** True when {@code server} (as the user wrote it) names the registry of {@code image}. */
  public static boolean sameRegistry(String server, String image) {
    String want = normalizeServer(server);
    String have = registry(image);
    if (want.isEmpty()) return false;
    if (want.equals(have)) return true;
    // An address without a port names the host on its default port only.
    return !want.contains(":") && (have.equals(want + ":443") || have.equals(want + ":80"));
  }

  /** The first credential whose server is the image's registry. */
  public static <C> Optional<C> credentialFor(String image, List<C> credentials,
      java.util.function.Function<C, String> server) {
    for (C c : credentials) {
      if (sameRegistry(server.apply(c), image)) return Optional.of(c);
    }
    return Optional.empty();
  }

  /** True when the image's registry is listed in PlainHttpRegistry or InsecureRegistry. */
  public static boolean insecure(String image, List<String> plainHttp, List<String> insecure) {
    for (String s : plainHttp) if (sameRegistry(s, image)) return true;
    for (String s : insecure) if (sameRegistry(s, image)) return true;
    return false;
  }
}
