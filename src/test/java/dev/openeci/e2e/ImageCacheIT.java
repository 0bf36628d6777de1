package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.aliyun.tea.TeaException;
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
 * CreateImageCache pre-pulls images (here from a TLS + htpasswd registry, with credentials) into the
 * engine; DescribeImageCaches shows Preparing/Creating -> Ready or Failed with events;
 * CreateContainerGroup with AutoMatchImageCache or ImageSnapshotId uses a Ready cache: the group
 * needs neither credentials nor registry settings, pulls nothing, and its container prints the
 * cached image's marker file.
 */
class ImageCacheIT {
  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;
  static DockerRuntime engine;
  static TestRegistry registry;
  static String marker;
  static String image;
  static final List<String> groups = new ArrayList<>();
  static final List<String> caches = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    TestRegistry.requireTools();
    engine = TestEngine.runtime();
    TestEngine.busyboxImage();
    String id = SdkEndToEndIT.shortId();
    marker = "cached-image-" + id;
    String source = "localhost/openeci-test/cache-marker-" + id + ":1";
    TestRegistry.importMarkerImage(engine, source, marker);
    try {
      registry = TestRegistry.start(TestRegistry.Mode.TLS_AUTH);
      image = registry.push(engine, source, "openeci/cache-marker-" + id + ":1");
    } finally {
      engine.removeImage(source);
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
        for (String c : caches) {
          try {
            EciClients.call(client, "DeleteImageCache", Map.of("RegionId", "cn-hangzhou", "ImageCacheId", c));
          } catch (Exception ignored) {
            // deleted by the test
          }
        }
      }
    } finally {
      if (server != null) server.close();
      if (registry != null) registry.close();
      if (image != null) engine.removeImage(image);
    }
  }

  static void awaitNoContainers(String groupId) {
    SdkEndToEndIT.await(() -> engine.list(Map.of(Labels.GROUP_ID, groupId)).isEmpty() ? Boolean.TRUE : null,
        "engine to hold no container of " + groupId);
  }

  static Map<String, Object> q(String... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("RegionId", "cn-hangzhou");
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  static String createCache(String password) throws Exception {
    String id = (String) EciClients.call(client, "CreateImageCache", q("ImageCacheName",
        "cache-" + SdkEndToEndIT.shortId(), "Image.1", image, "InsecureRegistry", registry.address(),
        "ImageRegistryCredential.1.Server", registry.address(),
        "ImageRegistryCredential.1.UserName", TestRegistry.USER,
        "ImageRegistryCredential.1.Password", password)).get("ImageCacheId");
    caches.add(id);
    return id;
  }

  static List<Map<String, Object>> describeCaches(String... filters) throws Exception {
    return SdkEndToEndIT.asList(EciClients.call(client, "DescribeImageCaches", q(filters)).get("ImageCaches"));
  }

  static Map<String, Object> awaitCache(String id, String status) {
    return SdkEndToEndIT.await(() -> {
      try {
        List<Map<String, Object>> found = describeCaches("ImageCacheId", id);
        return found.size() == 1 && status.equals(found.get(0).get("Status")) ? found.get(0) : null;
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }, "image cache " + id + " " + status);
  }

  static Map<String, Object> group(String name, String... kv) {
    Map<String, Object> m = q("ContainerGroupName", name + "-" + SdkEndToEndIT.shortId(), "RestartPolicy", "Never",
        "Container.1.Name", "app", "Container.1.Image", image, "Container.1.ImagePullPolicy", "IfNotPresent",
        "Container.1.Command.1", "/bin/sh", "Container.1.Arg.1", "-c", "Container.1.Arg.2", "cat /marker.txt");
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  static String create(Map<String, Object> query) throws Exception {
    String id = (String) EciClients.call(client, "CreateContainerGroup", query).get("ContainerGroupId");
    groups.add(id);
    return id;
  }

  static String output(String id) throws Exception {
    SdkEndToEndIT.awaitStatus(client, id, "Succeeded");
    return (String) EciClients.call(client, "DescribeContainerLog",
        q("ContainerGroupId", id, "ContainerName", "app")).get("Content");
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> events(String id, String source) throws Exception {
    Map<String, Object> body = EciClients.call(client, "DescribeContainerGroupEvents",
        q("ContainerGroupIds", "[\"" + id + "\"]", "EventSource", source));
    return (List<Map<String, Object>>) SdkEndToEndIT.asList(body.get("Data")).get(0).get("Events");
  }

  static List<Object> reasons(String id, String source) throws Exception {
    return events(id, source).stream().map(e -> e.get("Reason")).toList();
  }

  @Test
  @SuppressWarnings("unchecked")
  void readyCacheIsUsedByAutoMatchAndImageSnapshotId() throws Exception {
    assumeTrue(engine.isPodman(), "the test registry uses a self-signed certificate: per-request insecure"
        + " registries need Podman's libpod API (docs/images.md)");
    String cacheId = createCache(registry.password);
    assertThat(cacheId).matches("imc-[a-z0-9]{20}");
    Map<String, Object> ready = awaitCache(cacheId, "Ready");
    assertThat(ready.get("Images")).isEqualTo(List.of(image));
    assertThat(ready.get("Progress")).isEqualTo("100%");
    assertThat(ready.get("SnapshotId")).isEqualTo(cacheId);
    assertThat((List<Map<String, Object>>) ready.get("Events")).extracting(e -> e.get("Name"))
        .contains("Pulling", "Pulled", "Ready");
    assertThat(ready.toString()).doesNotContain(registry.password);
    assertThat(engine.hasImage(image)).as("the cache pulled the image into the engine").isTrue();

    // Filters.
    assertThat(describeCaches("Image", image)).extracting(c -> c.get("ImageCacheId")).contains(cacheId);
    assertThat(describeCaches("Image", "busybox:none")).extracting(c -> c.get("ImageCacheId"))
        .doesNotContain(cacheId);
    assertThat(describeCaches("ImageCacheName", (String) ready.get("ImageCacheName"))).hasSize(1);

    // AutoMatchImageCache: no credentials, no InsecureRegistry, nothing pulled.
    String auto = create(group("auto", "AutoMatchImageCache", "true"));
    assertThat(output(auto)).isEqualTo(marker + "\n");
    List<Map<String, Object>> eci = events(auto, "EciService");
    assertThat(eci).extracting(e -> e.get("Reason")).contains("SuccessfulHitImageCache");
    assertThat(eci).extracting(e -> (String) e.get("Message")).anyMatch(m -> m.contains(cacheId));
    assertThat(reasons(auto, "K8sAgent")).contains("Started").doesNotContain("Pulling");
    assertThat(awaitCache(cacheId, "Ready").get("LastMatchedTime")).isNotNull();

    // ImageSnapshotId names the cache.
    String named = create(group("named", "ImageSnapshotId", cacheId));
    assertThat(output(named)).isEqualTo(marker + "\n");
    assertThat(reasons(named, "EciService")).contains("SuccessfulHitImageCache");

    // Deleted: gone from Describe, and ImageSnapshotId no longer names anything.
    EciClients.call(client, "DeleteImageCache", q("ImageCacheId", cacheId));
    assertThat(describeCaches("ImageCacheId", cacheId)).isEmpty();
    assertThatThrownBy(() -> create(group("gone", "ImageSnapshotId", cacheId)))
        .isInstanceOfSatisfying(TeaException.class, e -> {
          assertThat(e.getCode()).isEqualTo("ImageSnapshot.NotFound");
          assertThat(e.getStatusCode()).isEqualTo(404);
        });
    assertThatThrownBy(() -> EciClients.call(client, "DeleteImageCache", q("ImageCacheId", cacheId)))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("ImageSnapshot.NotFound"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void failedCacheIsReportedAndRefusedAndBadRequestsAreRejected() throws Exception {
    assumeTrue(engine.isPodman(), "per-request insecure registries need Podman's libpod API (docs/images.md)");
    String wrong = "wrong-" + SdkEndToEndIT.shortId();
    String cacheId = createCache(wrong);
    Map<String, Object> failed = awaitCache(cacheId, "Failed");
    List<Map<String, Object>> evs = (List<Map<String, Object>>) failed.get("Events");
    assertThat(evs).extracting(e -> e.get("Name")).contains("Failed");
    assertThat(evs.toString()).containsPattern("(?i)unauthorized|authentication required");
    assertThat(failed.toString()).doesNotContain(wrong);
    assertThatThrownBy(() -> create(group("notready", "ImageSnapshotId", cacheId)))
        .isInstanceOfSatisfying(TeaException.class, e -> {
          assertThat(e.getCode()).isEqualTo("ImageSnapshot.IncorrectStatus");
          assertThat(e.getStatusCode()).isEqualTo(400);
        });
    assertThat(server.logText()).doesNotContain(wrong).doesNotContain(registry.password);

    assertThatThrownBy(() -> EciClients.call(client, "CreateImageCache", q("Image.1", image)))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("MissingParameter"));
    assertThatThrownBy(() -> EciClients.call(client, "CreateImageCache", q("ImageCacheName", "no-images")))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("MissingParameter"));
    assertThatThrownBy(() -> create(group("unknown", "ImageSnapshotId", "imc-doesnotexist0000000")))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("ImageSnapshot.NotFound"));

    // AutoMatchImageCache without a matching cache: the group runs, pulling as its policy says.
    String miss = create(q("ContainerGroupName", "miss-" + SdkEndToEndIT.shortId(), "RestartPolicy", "Never",
        "AutoMatchImageCache", "true", "Container.1.Name", "app", "Container.1.Image", TestEngine.busyboxImage(),
        "Container.1.Command.1", "/bin/sh", "Container.1.Arg.1", "-c", "Container.1.Arg.2", "echo no cache"));
    assertThat(output(miss)).isEqualTo("no cache\n");
    assertThat(reasons(miss, "EciService")).contains("ImageCacheMissed").doesNotContain("SuccessfulHitImageCache");
  }
}
