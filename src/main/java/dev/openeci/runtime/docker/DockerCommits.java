package dev.openeci.runtime.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PushResponseItem;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.openeci.runtime.ImageCommits;
import dev.openeci.runtime.RegistryAuth;
import dev.openeci.runtime.RuntimeFailure;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Commit, push and untag over the Docker Engine API (CommitContainer, docs/images.md). Commit uses
 * the Docker-compatible {@code POST /commit} (Podman and Docker alike; the container is paused
 * meanwhile). On Podman a push goes through libpod's {@code POST /libpod/images/{name}/push} with
 * {@code tlsVerify} set per request (false for PlainHttpRegistry / InsecureRegistry: no certificate
 * check, plain HTTP allowed), like pulls; on Docker through {@code POST /images/{name}/push}, where
 * insecure registries are the daemon's setting. Credentials travel in X-Registry-Auth only; engine
 * messages are scrubbed of the password.
 */
public final class DockerCommits implements ImageCommits {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DockerClient client;
  private final DockerHttpClient rawHttp;
  private final boolean podman;

  public DockerCommits(DockerClient client, DockerHttpClient rawHttp, boolean podman) {
    this.client = client;
    this.rawHttp = rawHttp;
    this.podman = podman;
  }

  @Override
  public String commit(String containerId, String reference, String author, String message) {
    String[] rt = DockerImages.repositoryAndTag(reference);
    try {
      var cmd = client.commitCmd(containerId).withRepository(rt[0]).withTag(rt[1] == null ? "latest" : rt[1])
          .withPause(true);
      if (author != null && !author.isEmpty()) cmd.withAuthor(author);
      if (message != null && !message.isEmpty()) cmd.withMessage(message);
      return cmd.exec();
    } catch (NotFoundException e) {
      throw new RuntimeFailure("commit " + reference + ": the container no longer exists");
    } catch (RuntimeException e) {
      throw new RuntimeFailure("commit " + reference + ": " + DockerErrors.message(e), e);
    }
  }

  @Override
  public void push(String localImage, String destination, Optional<RegistryAuth> auth, boolean insecureRegistry,
      Consumer<String> progress) {
    if (podman) {
      pushLibpod(localImage, destination, auth, insecureRegistry, progress);
      return;
    }
    // Docker pushes an image by the name it has: tag it as the destination for the push.
    String[] rt = DockerImages.repositoryAndTag(destination);
    try {
      client.tagImageCmd(localImage, rt[0], rt[1] == null ? "latest" : rt[1]).exec();
    } catch (RuntimeException e) {
      throw new RuntimeFailure("tag " + localImage + " as " + destination + ": " + DockerErrors.message(e), e);
    }
    try {
      pushCompat(destination, auth, progress);
    } finally {
      untag(destination);
    }
  }

  private void pushCompat(String reference, Optional<RegistryAuth> auth, Consumer<String> progress) {
    String[] rt = DockerImages.repositoryAndTag(reference);
    var cmd = client.pushImageCmd(rt[0]).withTag(rt[1] == null ? "latest" : rt[1]);
    auth.ifPresent(a -> cmd.withAuthConfig(new AuthConfig().withRegistryAddress(a.server())
        .withUsername(a.username()).withPassword(a.password())));
    AtomicReference<String> error = new AtomicReference<>();
    try {
      cmd.exec(new ResultCallback.Adapter<PushResponseItem>() {
        @Override
        public void onNext(PushResponseItem item) {
          if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
            error.compareAndSet(null, item.getErrorDetail().getMessage());
          } else if (item.getError() != null) {
            error.compareAndSet(null, item.getError());
          } else if (item.getStatus() != null) {
            progress.accept(item.getStatus() + (item.getId() == null ? "" : " " + item.getId()));
          }
        }
      }).awaitCompletion(30, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeFailure("push of " + reference + " interrupted");
    } catch (RuntimeException e) {
      throw new RuntimeFailure(scrub("push " + reference + ": " + DockerErrors.message(e), auth), e);
    }
    if (error.get() != null) throw new RuntimeFailure(scrub("push " + reference + ": " + error.get(), auth));
  }

  /** A stream of {"stream"}, {"error"}, {"manifestdigest"} items ({@code quiet=false}). */
  private void pushLibpod(String localImage, String reference, Optional<RegistryAuth> auth, boolean insecure,
      Consumer<String> progress) {
    var request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.POST)
        .path("/v4.0.0/libpod/images/" + localImage + "/push?destination="
            + URLEncoder.encode(reference, StandardCharsets.UTF_8) + "&tlsVerify=" + !insecure + "&quiet=false");
    auth.ifPresent(a -> request.putHeader("X-Registry-Auth", DockerImages.registryAuthHeader(a)));
    String error = null;
    try (var response = rawHttp.execute(request.build())) {
      if (response.getStatusCode() != 200) {
        String body = new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8);
        String m = body;
        try {
          JsonNode node = JSON.readTree(body);
          if (node.hasNonNull("message")) m = node.get("message").asText();
        } catch (IOException notJson) {
          // keep the raw body
        }
        throw new RuntimeFailure(scrub("push " + reference + ": HTTP " + response.getStatusCode() + " "
            + (m.length() > 500 ? m.substring(0, 500) : m), auth));
      }
      try (var items = JSON.readerFor(JsonNode.class).<JsonNode>readValues(response.getBody())) {
        while (items.hasNext()) {
          JsonNode item = items.next();
          if (item.hasNonNull("error") && !item.get("error").asText().isEmpty()) {
            if (error == null) error = item.get("error").asText();
          } else if (item.hasNonNull("stream")) {
            String line = item.get("stream").asText().trim();
            if (!line.isEmpty()) progress.accept(line);
          }
        }
      }
    } catch (IOException e) {
      throw new RuntimeFailure(scrub("push " + reference + ": " + e.getMessage(), auth), e);
    }
    if (error != null) throw new RuntimeFailure(scrub("push " + reference + ": " + error.trim(), auth));
  }

  @Override
  public void untag(String reference) {
    try {
      client.removeImageCmd(reference).withForce(false).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (RuntimeException e) {
      throw new RuntimeFailure("remove image " + reference + ": " + DockerErrors.message(e), e);
    }
  }

  static String scrub(String message, Optional<RegistryAuth> auth) {
    if (auth.isPresent() && auth.get().password() != null && !auth.get().password().isEmpty()) {
      return message.replace(auth.get().password(), "***");
    }
    return message;
  }
}
