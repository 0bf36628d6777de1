package dev.openeci.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PullResponseItem;
import dev.openeci.runtime.RegistryAuth;
import dev.openeci.runtime.RuntimeFailure;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static dev.openeci.runtime.docker.DockerErrors.failure;
import static dev.openeci.runtime.docker.DockerErrors.message;
import static dev.openeci.runtime.docker.DockerErrors.scrub;

/**
 * Images on the engine: presence and config, pulls (with progress, registry auth, and Podman's
 * libpod endpoint for insecure registries), tag/remove/save, and imports of rootfs tars.
 */
final class DockerImages {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private final DockerClient client;
  private final com.github.dockerjava.transport.DockerHttpClient rawHttp;
  private final boolean podman;

  DockerImages(DockerClient client, com.github.dockerjava.transport.DockerHttpClient rawHttp, boolean podman) {
    this.client = client;
    this.rawHttp = rawHttp;
    this.podman = podman;
  }

  boolean hasImage(String image) {
    try {
      client.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    } catch (RuntimeException e) {
      throw failure("inspect image " + image, e);
    }
  }

  Optional<String> imageId(String image) {
    try {
      return Optional.ofNullable(client.inspectImageCmd(image).exec().getId());
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw failure("inspect image " + image, e);
    }
  }

  /** Splits {@code registry:port/repo:tag} / {@code repo@digest} into repository and tag. */
  static String[] repositoryAndTag(String image) {
    if (image.contains("@")) return new String[] {image, null};
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    if (colon > slash) return new String[] {image.substring(0, colon), image.substring(colon + 1)};
    return new String[] {image, "latest"};
  }

  /**
   * Pulls an image. Registries the request marks insecure (PlainHttpRegistry / InsecureRegistry)
   * go through Podman's libpod endpoint with {@code tlsVerify=false} (skips certificate checks and
   * falls back to plain HTTP), because Podman's Docker-compatible endpoint ignores such a flag and
   * only honours its own registries.conf. On Docker, insecure registries depend on the daemon's
   * {@code insecure-registries} setting (docs/images.md).
   */
  void pull(String image, Optional<RegistryAuth> auth, boolean insecureRegistry, Consumer<String> progress) {
    if (insecureRegistry && podman) {
      pullLibpod(image, auth, progress);
    } else {
      pullCompat(image, auth, progress);
    }
    if (!hasImage(image)) throw new RuntimeFailure("pull of " + image + " finished but the image is not present");
  }

  private void pullCompat(String image, Optional<RegistryAuth> auth, Consumer<String> progress) {
    String[] rt = repositoryAndTag(image);
    var cmd = client.pullImageCmd(rt[0]);
    if (rt[1] != null) cmd.withTag(rt[1]);
    auth.ifPresent(a -> cmd.withAuthConfig(new AuthConfig().withRegistryAddress(a.server()).withUsername(a.username())
        .withPassword(a.password())));
    AtomicReference<String> error = new AtomicReference<>();
    try {
      cmd.exec(new ResultCallback.Adapter<PullResponseItem>() {
        private String last;

              public void onNext(PullResponseItem item) {
          if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
            error.compareAndSet(null, item.getErrorDetail().getMessage());
          } else if (item.getError() != null) {
            error.compareAndSet(null, item.getError());
          } else if (item.getStatus() != null) {
            String line = item.getStatus() + (item.getId() == null ? "" : " " + item.getId());
            if (!line.equals(last)) progress.accept(line);
            last = line;
          }
        }
      }).awaitCompletion(30, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeFailure("pull of " + image + " interrupted");
    } catch (RuntimeException e) {
      throw new RuntimeFailure(scrub(failure("pull " + image, e).getMessage(), auth), e);
    }
    if (error.get() != null) throw new RuntimeFailure(scrub(error.get(), auth));
  }

  /** {@code POST /libpod/images/pull?reference=..&tlsVerify=false}: a stream of {"stream"}, {"error"}, {"images","id"}. */
  private void pullLibpod(String image, Optional<RegistryAuth> auth, Consumer<String> progress) {
    var request = com.github.dockerjava.transport.DockerHttpClient.Request.builder()
        .method(com.github.dockerjava.transport.DockerHttpClient.Request.Method.POST)
        .path("/v4.0.0/libpod/images/pull?reference=" + java.net.URLEncoder.encode(image,
            java.nio.charset.StandardCharsets.UTF_8) + "&tlsVerify=false");
    auth.ifPresent(a -> request.putHeader("X-Registry-Auth", registryAuthHeader(a)));
    String error = null;
    try (var response = rawHttp.execute(request.build())) {
      if (response.getStatusCode() != 200) {
        String body = new String(response.getBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        String m = body;
        try {
          var node = JSON.readTree(body);
          if (node.hasNonNull("message")) m = node.get("message").asText();
        } catch (IOException notJson) {
          // keep the raw body
        }
        throw new RuntimeFailure(scrub("pull " + image + ": HTTP " + response.getStatusCode() + " "
            + (m.length() > 500 ? m.substring(0, 500) : m), auth));
      }
      try (var items = JSON.readerFor(com.fasterxml.jackson.databind.JsonNode.class)
          .<com.fasterxml.jackson.databind.JsonNode>readValues(response.getBody())) {
        while (items.hasNext()) {
          var item = items.next();
          if (item.hasNonNull("error") && !item.get("error").asText().isEmpty()) {
            if (error == null) error = item.get("error").asText();
          } else if (item.hasNonNull("stream")) {
            String line = item.get("stream").asText().trim();
            if (!line.isEmpty()) progress.accept(line);
          }
        }
      }
    } catch (IOException e) {
      throw new RuntimeFailure(scrub("pull " + image + ": " + e.getMessage(), auth), e);
    }
    if (error != null) throw new RuntimeFailure(scrub(error.trim(), auth));
  }

  /** X-Registry-Auth: URL-safe base64 (padding kept) of the Docker auth JSON. */
  static String registryAuthHeader(RegistryAuth a) {
    var node = JSON.createObjectNode();
    node.put("username", a.username());
    node.put("password", a.password());
    node.put("serveraddress", a.server());
    return java.util.Base64.getUrlEncoder().encodeToString(node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Removes an image reference (untag; the image goes when no other tag holds it). Missing is not an error. */
  void removeImage(String reference) {
    try {
      client.removeImageCmd(reference).withForce(false).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (RuntimeException e) {
      throw failure("remove image " + reference, e);
    }
  }

  /** Tags an image with another reference ({@code repository:tag}). */
  void tagImage(String image, String reference) {
    String[] rt = repositoryAndTag(reference);
    try {
      client.tagImageCmd(image, rt[0], rt[1] == null ? "latest" : rt[1]).exec();
    } catch (RuntimeException e) {
      throw failure("tag " + image + " as " + reference, e);
    }
  }

  /** Writes the image as a docker-archive tar (what {@code docker save} writes). */
  void saveImage(String reference, java.nio.file.Path target) {
    try (var in = client.saveImageCmd(reference).exec()) {
      java.nio.file.Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new RuntimeFailure("cannot save image " + reference + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw failure("save image " + reference, e);
    }
  }

  /** Imports a rootfs tar as an image (see {@link RootfsImages}). */
  void importImage(String reference, byte[] rootfsTar) {
    importImage(reference, rootfsTar, List.of());
  }

  /** Imports a rootfs tar as an image with Dockerfile {@code changes} (e.g. {@code ENTRYPOINT ["/bin/echo"]}). */
  void importImage(String reference, byte[] rootfsTar, List<String> changes) {
    StringBuilder extra = new StringBuilder();
    for (String c : changes) {
      extra.append("&changes=").append(java.net.URLEncoder.encode(c, java.nio.charset.StandardCharsets.UTF_8));
    }
    // docker-java's createImageCmd truncates the upload against Podman; post the tar directly.
    // The tag goes into repo= (the import endpoint ignores tag=).
    var request = com.github.dockerjava.transport.DockerHttpClient.Request.builder()
        .method(com.github.dockerjava.transport.DockerHttpClient.Request.Method.POST)
        .path("/v1.41/images/create?fromSrc=-&repo=" + java.net.URLEncoder.encode(reference,
            java.nio.charset.StandardCharsets.UTF_8) + extra)
        .putHeader("Content-Type", "application/x-tar")
        .body(new java.io.ByteArrayInputStream(rootfsTar))
        .build();
    try (var response = rawHttp.execute(request)) {
      String body = new String(response.getBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (response.getStatusCode() != 200 || body.contains("\"error\"")) {
        throw new RuntimeFailure("cannot import image " + reference + ": HTTP " + response.getStatusCode() + " "
            + (body.length() > 300 ? body.substring(0, 300) : body));
      }
    } catch (IOException e) {
      throw new RuntimeFailure("cannot import image " + reference + ": " + e.getMessage(), e);
    }
    if (!hasImage(reference)) throw new RuntimeFailure("import of " + reference + " left no image");
  }

  Optional<String> imageUser(String image) {
    try {
      var config = client.inspectImageCmd(image).exec().getConfig();
      return Optional.of(config == null || config.getUser() == null ? "" : config.getUser());
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw failure("inspect image " + image, e);
    }
  }

}
