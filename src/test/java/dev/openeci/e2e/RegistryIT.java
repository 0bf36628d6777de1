package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.openeci.runtime.Labels;
import dev.openeci.runtime.docker.DockerRuntime;
import dev.openeci.testing.TestEngine;
import dev.openeci.testing.TestRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images from private registries on 127.0.0.1 (Debian's docker-registry, three ways: plain HTTP,
 * TLS with a self-signed certificate, TLS + htpasswd), pulled as the request says: PlainHttpRegistry,
 * InsecureRegistry, ImageRegistryCredential per registry server, ImagePullPolicy. Each registry
 * holds an image of its own making with a random marker file; a container that prints it proves
 * the pulled image is what runs. Pull failures show as ECI does (ErrImagePull, then
 * ImagePullBackOff, with events) and registry passwords never appear in a response or in the log.
 */
class RegistryIT {
  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;
  static DockerRuntime engine;
  static TestRegistry plain;
  static TestRegistry tls;
  static TestRegistry auth;
  static String marker;
  static String plainImage;
  static String tlsImage;
  static String authImage;
  static final List<String> groups = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    TestRegistry.requireTools();
    engine = TestEngine.runtime();
    String id = SdkEndToEndIT.shortId();
    marker = "pushed-image-" + id;
    String source = "localhost/openeci-test/marker-" + id + ":1";
    TestRegistry.importMarkerImage(engine, source, marker);
    try {
      plain = TestRegistry.start(TestRegistry.Mode.PLAIN_HTTP);
      tls = TestRegistry.start(TestRegistry.Mode.TLS);
      auth = TestRegistry.start(TestRegistry.Mode.TLS_AUTH);
      plainImage = plain.push(engine, source, "openeci/marker-" + id + ":1");
      tlsImage = tls.push(engine, source, "openeci/marker-" + id + ":1");
      authImage = auth.push(engine, source, "openeci/marker-" + id + ":1");
    } finally {
      engine.removeImage(source); // only the registries hold it now
    }
    server = new ServerProcess(dataDir, TestEngine.endpoint()).start();
    client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (client != null) {
        for (String g : groups) {
          try {
            EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", g));
          } catch (Exception ignored) {
            // already gone
          }
        }
        for (String g : groups) awaitNoContainers(g);
      }
    } finally {
      if (server != null) server.close();
      for (TestRegistry r : new TestRegistry[] {plain, tls, auth}) if (r != null) r.close();
      for (String image : new String[] {plainImage, tlsImage, authImage}) {
        if (image != null) engine.removeImage(image);
      }
    }
  }

  static void awaitNoContainers(String groupId) {
    SdkEndToEndIT.await(() -> engine.list(Map.of(Labels.GROUP_ID, groupId)).isEmpty() ? Boolean.TRUE : null,
        "engine to hold no container of " + groupId);
  }

  static Map<String, Object> group(String name, String image, String... kv) {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupName", name + "-" + SdkEndToEndIT.shortId());
    q.put("RestartPolicy", "Never");
    q.put("Container.1.Name", "app");
    q.put("Container.1.Image", image);
    q.put("Container.1.Command.1", "/bin/sh");
    q.put("Container.1.Arg.1", "-c");
    q.put("Container.1.Arg.2", "cat /marker.txt");
    for (int i = 0; i < kv.length; i += 2) q.put(kv[i], kv[i + 1]);
    return q;
  }

  static String create(Map<String, Object> q) throws Exception {
    String id = (String) EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");
    groups.add(id);
    return id;
  }

  static void delete(String id) throws Exception {
    EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
    awaitNoContainers(id);
  }

  /** Waits for Succeeded and returns what the container printed (DescribeContainerLog). */
  static String output(String id) throws Exception {
    SdkEndToEndIT.awaitStatus(client, id, "Succeeded");
    return (String) EciClients.call(client, "DescribeContainerLog",
        Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id, "ContainerName", "app")).get("Content");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> currentState(String id) throws Exception {
    Map<String, Object> g = SdkEndToEndIT.describe(client, id).get(0);
    Map<String, Object> c = ((List<Map<String, Object>>) g.get("Containers")).get(0);
    return (Map<String, Object>) c.get("CurrentState");
  }

  static Map<String, Object> awaitWaiting(String id, String reason) {
    return SdkEndToEndIT.await(() -> {
      try {
        Map<String, Object> s = currentState(id);
        return "Waiting".equals(s.get("State")) && reason.equals(s.get("Reason")) ? s : null;
      } catch (Exception e) {
        return null;
      }
    }, id + " waiting with " + reason);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> events(String id) throws Exception {
    Map<String, Object> body = EciClients.call(client, "DescribeContainerGroupEvents",
        Map.of("RegionId", "cn-hangzhou", "ContainerGroupIds", "[\"" + id + "\"]"));
    return (List<Map<String, Object>>) SdkEndToEndIT.asList(body.get("Data")).get(0).get("Events");
  }

  static List<String> reasons(String id) throws Exception {
    return events(id).stream().map(e -> (String) e.get("Reason")).toList();
  }

  static int count(String id, String reason) throws Exception {
    return events(id).stream().filter(e -> reason.equals(e.get("Reason")))
        .mapToInt(e -> ((Number) e.get("Count")).intValue()).sum();
  }

  static String messages(String id) throws Exception {
    StringBuilder b = new StringBuilder();
    for (Map<String, Object> e : events(id)) b.append(e.get("Reason")).append(": ").append(e.get("Message")).append('\n');
    return b.toString();
  }

  static void assumePodman() {
    assumeTrue(engine.isPodman(), "per-request insecure registries need Podman's libpod API; on Docker they"
        + " depend on the daemon's insecure-registries setting (docs/images.md)");
  }

  @Test
  void plainHttpRegistryIsPulledOverHttpOnlyWhenTheRequestSaysSo() throws Exception {
    assumePodman();
    String refused = create(group("plain-no", plainImage));
    awaitWaiting(refused, "ImagePullBackOff");
    assertThat(messages(refused)).contains("Failed to pull image \"" + plainImage + "\"")
        .contains("Error: ErrImagePull").contains("BackOff: Back-off pulling image");
    delete(refused);

    String id = create(group("plain-yes", plainImage, "PlainHttpRegistry", plain.address()));
    assertThat(output(id)).isEqualTo(marker + "\n");
    assertThat(reasons(id)).contains("Pulling", "Pulled", "Created", "Started");
  }

  @Test
  void selfSignedTlsRegistryIsPulledOnlyWhenListedAsInsecure() throws Exception {
    assumePodman();
    String refused = create(group("tls-no", tlsImage));
    awaitWaiting(refused, "ImagePullBackOff");
    assertThat(messages(refused)).containsPattern("x509|certificate");
    delete(refused);

    String id = create(group("tls-yes", tlsImage, "InsecureRegistry", "https://" + tls.address() + "/"));
    assertThat(output(id)).isEqualTo(marker + "\n");
  }

  @Test
  void credentialsAreChosenByRegistryServerAndNeverShown() throws Exception {
    assumePodman();
    String wrong = "wrong-" + SdkEndToEndIT.shortId();
    // The right password is given for another registry only: it must not be sent to this one.
    String refused = create(group("auth-no", authImage, "InsecureRegistry", auth.address(),
        "ImageRegistryCredential.1.Server", "registry.example.com",
        "ImageRegistryCredential.1.UserName", TestRegistry.USER,
        "ImageRegistryCredential.1.Password", auth.password,
        "ImageRegistryCredential.2.Server", auth.address(),
        "ImageRegistryCredential.2.UserName", TestRegistry.USER,
        "ImageRegistryCredential.2.Password", wrong));
    Map<String, Object> waiting = awaitWaiting(refused, "ErrImagePull");
    assertThat((String) waiting.get("Message")).contains("Failed to pull image");
    awaitWaiting(refused, "ImagePullBackOff");
    assertThat(messages(refused)).containsPattern("(?i)unauthorized|authentication required")
        .contains("BackOff: Back-off pulling image \"" + authImage + "\"").contains("Error: ImagePullBackOff");
    // The back-off ends and the pull is tried again (and fails again).
    SdkEndToEndIT.await(() -> {
      try {
        return count(refused, "Pulling") >= 2 ? Boolean.TRUE : null;
      } catch (Exception e) {
        return null;
      }
    }, "a second pull attempt after the back-off");
    String described = SdkEndToEndIT.describe(client, refused).toString() + events(refused);
    assertThat(described).doesNotContain(wrong).doesNotContain(auth.password);
    delete(refused);

    String id = create(group("auth-yes", authImage, "InsecureRegistry", auth.address(),
        "ImageRegistryCredential.1.Server", auth.address(),
        "ImageRegistryCredential.1.UserName", TestRegistry.USER,
        "ImageRegistryCredential.1.Password", auth.password));
    assertThat(output(id)).isEqualTo(marker + "\n");
    String all = SdkEndToEndIT.describe(client, id).toString() + events(id);
    assertThat(all).doesNotContain(auth.password);
    // Pull progress is logged at INFO with the group id; the password never is.
    assertThat(server.logText()).contains(id + ": pull " + authImage + ": ").doesNotContain(auth.password)
        .doesNotContain(wrong);
    // At rest: the SQLite files hold the passwords sealed only (issue 10, docs/security.md).
    assertThat(SecurityIsolationIT.rawDatabase(dataDir)).contains("enc1:").doesNotContain(auth.password)
        .doesNotContain(wrong);
  }

  /**
   * Issue 10 (cross-account data): an image one account pulled with its registry credentials is
   * in the engine, shared by every account; another account must not run it without a pull of its
   * own that the registry accepts (docs/security.md).
   */
  @Test
  void anotherAccountCannotRunAPrivateImageWithoutItsOwnPull() throws Exception {
    assumePodman();
    String[] creds = {"ImageRegistryCredential.1.Server", auth.address(), "ImageRegistryCredential.1.UserName",
        TestRegistry.USER, "ImageRegistryCredential.1.Password", auth.password};
    String a = create(group("priv-a", authImage, concat(new String[] {"InsecureRegistry", auth.address()}, creds)));
    assertThat(output(a)).isEqualTo(marker + "\n");

    Map<String, String> keyB = VolumeEscapeIT.createAccessKey(dataDir, "acct-img-" + SdkEndToEndIT.shortId());
    com.aliyun.teaopenapi.Client b = EciClients.tea(server.endpoint(), keyB.get("OPENECI_ACCESS_KEY_ID"),
        keyB.get("OPENECI_ACCESS_KEY_SECRET"), false);
    List<String> ofB = new ArrayList<>();
    try {
      // No credentials, IfNotPresent: the image is on the host, but not B's to use.
      String none = createAs(b, ofB, group("priv-b0", authImage, "InsecureRegistry", auth.address(),
          "Container.1.ImagePullPolicy", "IfNotPresent"));
      assertThat(awaitStateAs(b, none, "ErrImagePull", "Succeeded")).as("B ran A's private image without credentials")
          .isEqualTo("ErrImagePull");
      // Wrong credentials: the registry refuses B.
      String wrong = createAs(b, ofB, group("priv-b1", authImage, "InsecureRegistry", auth.address(),
          "Container.1.ImagePullPolicy", "IfNotPresent", "ImageRegistryCredential.1.Server", auth.address(),
          "ImageRegistryCredential.1.UserName", TestRegistry.USER, "ImageRegistryCredential.1.Password", "wrong"));
      assertThat(awaitStateAs(b, wrong, "ErrImagePull", "Succeeded")).isEqualTo("ErrImagePull");
      // With the right credentials B pulls it itself, and from then on B may use it as A does.
      String right = createAs(b, ofB, group("priv-b2", authImage, concat(new String[] {"InsecureRegistry",
          auth.address(), "Container.1.ImagePullPolicy", "IfNotPresent"}, creds)));
      assertThat(awaitStateAs(b, right, "ErrImagePull", "Succeeded")).isEqualTo("Succeeded");
      String after = createAs(b, ofB, group("priv-b3", authImage, "InsecureRegistry", auth.address(),
          "Container.1.ImagePullPolicy", "IfNotPresent"));
      assertThat(awaitStateAs(b, after, "ErrImagePull", "Succeeded")).isEqualTo("Succeeded");
    } finally {
      for (String g : ofB) {
        try {
          EciClients.call(b, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", g));
        } catch (Exception ignored) {
          // gone
        }
      }
      for (String g : ofB) awaitNoContainers(g);
    }
    // A, whose pull it was, still runs it without credentials.
    String again = create(group("priv-a2", authImage, "InsecureRegistry", auth.address(),
        "Container.1.ImagePullPolicy", "IfNotPresent"));
    assertThat(output(again)).isEqualTo(marker + "\n");
  }

  static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static String createAs(com.aliyun.teaopenapi.Client as, List<String> ids, Map<String, Object> q) throws Exception {
    String id = (String) EciClients.call(as, "CreateContainerGroup", q).get("ContainerGroupId");
    ids.add(id);
    return id;
  }

  /** Waits until the group's only container waits with {@code reason} or the group reaches {@code status}. */
  @SuppressWarnings("unchecked")
  static String awaitStateAs(com.aliyun.teaopenapi.Client as, String id, String reason, String status) {
    return SdkEndToEndIT.await(() -> {
      try {
        Map<String, Object> g = SdkEndToEndIT.describe(as, id).get(0);
        if (status.equals(g.get("Status"))) return status;
        Map<String, Object> c = ((List<Map<String, Object>>) g.get("Containers")).get(0);
        Map<String, Object> s = (Map<String, Object>) c.get("CurrentState");
        return reason.equals(s.get("Reason")) ? reason : null;
      } catch (Exception e) {
        return null;
      }
    }, id + " to wait with " + reason + " or reach " + status);
  }

  @Test
  void imagePullPolicyAlwaysIfNotPresentAndNever() throws Exception {
    assumePodman();
    // Always pulls even when the image is present, and again for every run of the container.
    String always = create(group("always", plainImage, "PlainHttpRegistry", plain.address(),
        "RestartPolicy", "Always", "Container.1.ImagePullPolicy", "Always",
        "Container.1.Arg.2", "cat /marker.txt; exit 1"));
    SdkEndToEndIT.await(() -> {
      try {
        return count(always, "Pulling") >= 2 && count(always, "Pulled") >= 2 && count(always, "Started") >= 2
            ? Boolean.TRUE : null;
      } catch (Exception e) {
        return null;
      }
    }, "two pulls for two runs of an Always container");
    String log = (String) EciClients.call(client, "DescribeContainerLog", Map.of("RegionId", "cn-hangzhou",
        "ContainerGroupId", always, "ContainerName", "app", "LastTime", "true")).get("Content");
    assertThat(log).isEqualTo(marker + "\n");
    delete(always);
    assertThat(engine.hasImage(plainImage)).isTrue();

    // IfNotPresent: the image is present, nothing is pulled (no registry setting is even needed).
    String ifNotPresent = create(group("ifnp", plainImage, "Container.1.ImagePullPolicy", "IfNotPresent"));
    assertThat(output(ifNotPresent)).isEqualTo(marker + "\n");
    assertThat(reasons(ifNotPresent)).contains("Started").doesNotContain("Pulling", "Pulled");

    // Never: a present image runs, a missing one waits with ErrImageNeverPull.
    String never = create(group("never", plainImage, "Container.1.ImagePullPolicy", "Never"));
    assertThat(output(never)).isEqualTo(marker + "\n");
    assertThat(reasons(never)).doesNotContain("Pulling");
    String missing = plain.address() + "/openeci/absent-" + SdkEndToEndIT.shortId() + ":1";
    String neverMissing = create(group("never-missing", missing, "Container.1.ImagePullPolicy", "Never",
        "PlainHttpRegistry", plain.address()));
    Map<String, Object> s = awaitWaiting(neverMissing, "ErrImageNeverPull");
    assertThat((String) s.get("Message")).contains(missing).contains("pull policy of Never");
    assertThat(reasons(neverMissing)).contains("ErrImageNeverPull").doesNotContain("Pulling");
  }
}
