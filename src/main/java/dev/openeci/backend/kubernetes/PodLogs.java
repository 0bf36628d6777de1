package dev.openeci.backend.kubernetes;

import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.RuntimeFailure;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DescribeContainerLog on the Kubernetes backend: one {@code GET pods/{name}/log} (kubelet's
 * container log, stdout and stderr interleaved as written), with the local backend's semantics:
 *
 * <ul>
 *   <li>{@code previous} (ECI LastTime) is the instance before the current one ({@code
 *       previous=true}, the container's {@code lastState.terminated});
 *   <li>tail, since (a time; SinceSeconds is turned into a time by the action) and timestamps
 *       (RFC 3339 with nanoseconds in front of each line, the same format as the Docker API's);
 *   <li>at most {@link #MAX_BYTES} bytes are read (the first ones), as the local backend does; the
 *       action cuts to the caller's LimitBytes;
 *   <li>an instance that never ran (waiting to start, image not pulled, no previous instance) gives
 *       "" instead of an error;
 *   <li>anything else is a {@link RuntimeFailure} whose message is fit for an API user: no node
 *       address, no apiserver URL (the cluster's own text is logged on the server).
 * </ul>
 */
public final class PodLogs {
  private static final Logger log = LoggerFactory.getLogger(PodLogs.class);
  /** The most bytes read per call (the local backend's collector keeps as many). */
  public static final int MAX_BYTES = 8 << 20;
  /** Bound on one log read (the local backend waits as long for the engine). */
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  private PodLogs() {}

  /** The log text of {@code container} in the pod {@code namespace/podName}, at most {@link #MAX_BYTES}. */
  public static String read(KubernetesClient client, String namespace, String podName, String container,
      boolean previous, ContainerRuntime.LogQuery query) {
    return read(client, namespace, podName, container, previous, query, MAX_BYTES);
  }

  /** As {@link #read(KubernetesClient, String, String, String, boolean, ContainerRuntime.LogQuery)} with a byte limit. */
  public static String read(KubernetesClient client, String namespace, String podName, String container,
      boolean previous, ContainerRuntime.LogQuery query, int maxBytes) {
    if (maxBytes < 1) throw new IllegalArgumentException("maxBytes must be >= 1");
    if (query.tail() != null && query.tail() == 0) return ""; // zero lines, as the engine answers
    StringBuilder q = new StringBuilder("container=").append(enc(container));
    if (previous) q.append("&previous=true");
    if (query.tail() != null) q.append("&tailLines=").append(query.tail());
    if (query.sinceEpochSecond() != null) {
      q.append("&sinceTime=")
          .append(enc(DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(query.sinceEpochSecond()))));
    }
    if (query.timestamps()) q.append("&timestamps=true");
    q.append("&limitBytes=").append(maxBytes);
    // One GET of the log subresource. Not fabric8's PodResource.getLog(): it first waits on an
    // informer for the pod to be ready (a LIST and a GET more per call), and tells no status code.
    String url = client.getMasterUrl().toString().replaceAll("/+$", "") + "/api/v1/namespaces/" + enc(namespace)
        + "/pods/" + enc(podName) + "/log?" + q;
    HttpClient http = client.getHttpClient();
    HttpResponse<InputStream> r;
    try {
      r = http.sendAsync(http.newHttpRequestBuilder().uri(url).timeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .build(), InputStream.class).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeFailure("interrupted while reading the logs");
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      log.info("logs of {}/{} container {}: {}", namespace, podName, container, cause.toString());
      throw new RuntimeFailure("the cluster did not answer (" + cause.getClass().getSimpleName() + ")", cause);
    }
    try (InputStream in = r.body()) {
      byte[] body = in == null ? new byte[0] : in.readNBytes(r.isSuccessful() ? maxBytes : 64 * 1024);
      if (r.isSuccessful()) return new String(body, StandardCharsets.UTF_8);
      return whenRefused(client, namespace, podName, container, previous, r.code(),
          new String(body, StandardCharsets.UTF_8));
    } catch (IOException e) {
      log.info("logs of {}/{} container {}: {}", namespace, podName, container, e.toString());
      throw new RuntimeFailure("the cluster did not return the logs (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /**
   * The apiserver refused: "" when that instance never ran (the kubelet answers 400 "waiting to
   * start" / "previous terminated container not found" then), else a failure with a safe message.
   */
  private static String whenRefused(KubernetesClient client, String namespace, String podName, String container,
      boolean previous, int code, String body) {
    log.info("logs of {}/{} container {} (previous={}): HTTP {}: {}", namespace, podName, container, previous,
        code, body.length() > 500 ? body.substring(0, 500) : body);
    if (code == 404) throw new RuntimeFailure("its pod is not on the cluster (any more)");
    if (code == 400) {
      Optional<ContainerStatus> status;
      try {
        status = status(client.pods().inNamespace(namespace).withName(podName).get(), container);
      } catch (KubernetesClientException again) {
        throw new RuntimeFailure("the cluster did not return the logs (HTTP " + again.getCode() + ")", again);
      }
      if (status.isEmpty() || neverRan(status.get(), previous)) return "";
      throw new RuntimeFailure("the kubelet did not return the logs of this instance");
    }
    if (code == 403 || code == 401) {
      throw new RuntimeFailure("openeci may not read logs on this cluster (HTTP " + code
          + "; see docs/kubernetes.md, RBAC)");
    }
    throw new RuntimeFailure("the cluster did not return the logs (HTTP " + code + ")");
  }

  /** The status of a container or init container of {@code pod}; empty when the pod or status is absent. */
  static Optional<ContainerStatus> status(Pod pod, String container) {
    if (pod == null || pod.getStatus() == null) return Optional.empty();
    PodStatus s = pod.getStatus();
    List<ContainerStatus> all = new ArrayList<>();
    if (s.getContainerStatuses() != null) all.addAll(s.getContainerStatuses());
    if (s.getInitContainerStatuses() != null) all.addAll(s.getInitContainerStatuses());
    return all.stream().filter(c -> container.equals(c.getName())).findFirst();
  }

  /**
   * True when the instance asked for has no log on the node: never created (waiting with no
   * previous attempt), or no previous attempt when {@code previous}. Mirrors the kubelet's own
   * choice of container (pkg/kubelet validateContainerLogStatus).
   */
  static boolean neverRan(ContainerStatus s, boolean previous) {
    boolean hasLast = s.getLastState() != null && s.getLastState().getTerminated() != null
        && notEmpty(s.getLastState().getTerminated().getContainerID());
    if (previous) return !hasLast;
    var state = s.getState();
    if (state != null && state.getRunning() != null) return false;
    if (state != null && state.getTerminated() != null && notEmpty(state.getTerminated().getContainerID())) return false;
    return !hasLast;
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }
}
