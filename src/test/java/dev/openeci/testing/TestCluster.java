package dev.openeci.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The real single-node Kubernetes cluster for ITs, one per test JVM: the kubeconfig given in
 * {@code OPENECI_TEST_KUBECONFIG} (which {@code ./openeci test} exports after running
 * {@code scripts/setup-kubernetes.sh}), else the one that script brings up (or finds already up) when
 * first asked. Its containerd holds {@link #BUSYBOX} and {@link #ENTRYPOINT_IMAGE} with the same
 * content {@link TestEngine} imports into Podman, so the same scenarios run on both backends.
 */
public final class TestCluster {
  public static final String KUBECONFIG_ENV = "OPENECI_TEST_KUBECONFIG";
  /** Full busybox (all applets, users root/app(1000)/nobody, /tmp, /www); pull policy IfNotPresent/Never. */
  public static final String BUSYBOX = TestEngine.BUSYBOX;
  /** Busybox with ENTRYPOINT ["/bin/echo","ep:"] and CMD ["image-cmd"]. */
  public static final String ENTRYPOINT_IMAGE = TestEngine.ENTRYPOINT_IMAGE;
  /** Label on every namespace made by {@link #createNamespace}, to find leftovers. */
  public static final String TEST_LABEL = "openeci.dev/test";

  private static Path kubeconfig;
  private static KubernetesClient client;

  private TestCluster() {}

  /** The admin kubeconfig of the test cluster (brought up on first use). */
  public static synchronized Path kubeconfig() {
    if (kubeconfig == null) {
      String given = System.getenv(KUBECONFIG_ENV);
      if (given != null && !given.isBlank() && Files.isReadable(Path.of(given.trim()))) {
        kubeconfig = Path.of(given.trim());
      } else {
        kubeconfig = setUp();
      }
    }
    return kubeconfig;
  }

  private static Path setUp() {
    try {
      // The script prints the kubeconfig path on stdout; its progress (stderr) goes to the test log.
      Process p = new ProcessBuilder(Path.of("scripts/setup-kubernetes.sh").toAbsolutePath().toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() != 0 || out.isEmpty()) throw new IllegalStateException("scripts/setup-kubernetes.sh failed");
      return Path.of(out);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run scripts/setup-kubernetes.sh", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A fabric8 client (admin) for the test cluster, shared by the whole JVM: do not close it. */
  public static synchronized KubernetesClient client() {
    if (client == null) {
      Config config = Config.fromKubeconfig(null, new File(kubeconfig().toString()));
      client = new KubernetesClientBuilder().withConfig(config).build();
      KubernetesClient c = client;
      Runtime.getRuntime().addShutdownHook(new Thread(c::close, "test-cluster-client-close"));
    }
    return client;
  }

  /**
   * Makes a fresh namespace {@code it-<prefix>-<random>} labelled {@link #TEST_LABEL} and waits (up
   * to 60 s) for its {@code default} ServiceAccount and that account's token, without which the
   * apiserver refuses pods.
   */
  public static String createNamespace(String prefix) {
    String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    if (clean.length() > 30) clean = clean.substring(0, 30);
    String name = ("it-" + clean + "-" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36))
        .replaceAll("-+", "-");
    if (name.length() > 63) name = name.substring(0, 63);
    name = name.replaceAll("-$", "");
    KubernetesClient k = client();
    k.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .withLabels(Map.of(TEST_LABEL, "true")).endMetadata().build()).create();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (!tokenReady(k, name)) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("namespace " + name + " got no default ServiceAccount within 60 s"
            + " (is kube-controller-manager running?)");
      }
      pause(Duration.ofMillis(100));
    }
    return name;
  }

  // Kubernetes 1.20's ServiceAccount admission refuses pods until the account's token secret exists.
  private static boolean tokenReady(KubernetesClient k, String namespace) {
    var sa = k.serviceAccounts().inNamespace(namespace).withName("default").get();
    return sa != null && sa.getSecrets() != null && !sa.getSecrets().isEmpty();
  }

  /**
   * Deletes a namespace made by {@link #createNamespace}: its pods at once (grace period 0), then the
   * namespace, without waiting for the namespace controller (that takes 17-90 s on this cluster).
   */
  public static void deleteNamespace(String name) {
    if (name == null) return;
    try {
      KubernetesClient k = client();
      k.pods().inNamespace(name).withGracePeriod(0).delete();
      k.namespaces().withName(name).delete();
    } catch (KubernetesClientException e) {
      System.err.println("TestCluster: could not delete namespace " + name + ": " + e.getMessage());
    }
  }

  /** A namespace for one test, deleted on close: {@code try (var ns = TestCluster.namespace("x")) {...}}. */
  public static TestNamespace namespace(String prefix) {
    return new TestNamespace(createNamespace(prefix));
  }

  /** See {@link #namespace(String)}. */
  public record TestNamespace(String name) implements AutoCloseable {
    @Override
    public void close() {
      deleteNamespace(name);
    }
  }

  // Waiting between polls of a condition with a deadline (not synchronization by sleeping).
  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
