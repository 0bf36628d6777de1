package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
 * CommitContainer on Podman through the official client: a file written into a running container
 * is committed and pushed to a TLS + htpasswd registry (the group's ImageRegistryCredential and
 * InsecureRegistry), DescribeCommitContainerTask shows the task Running -> Succeeded (also after a
 * restart of openeci), and a NEW group created from the pushed image (pulled from the registry:
 * the local copy is gone) reads the file. A wrong password ends the task Failed without echoing it.
 * UpdateImageCache renames and re-pulls a cache of that image; ResizeContainerGroupVolume answers
 * its documented codes.
 */
class CommitContainerIT {
  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;
  static DockerRuntime engine;
  static TestRegistry registry;
  static String busybox;
  static final List<String> groups = new ArrayList<>();
  static final List<String> pushed = new ArrayList<>();
  static final List<String> caches = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    TestRegistry.requireTools();
    engine = TestEngine.runtime();
    busybox = TestEngine.busyboxImage();
    registry = TestRegistry.start(TestRegistry.Mode.TLS_AUTH);
    server = new ServerProcess(dataDir, TestEngine.endpoint()).start();
    client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (client != null) {
        for (String c : caches) {
          try {
            EciClients.call(client, "DeleteImageCache", q("ImageCacheId", c));
          } catch (Exception ignored) {
            // deleted already
          }
        }
        for (String g : groups) {
          try {
            EciClients.call(client, "DeleteContainerGroup", q("ContainerGroupId", g));
          } catch (Exception ignored) {
            // already gone
          }
        }
        for (String g : groups) {
          SdkEndToEndIT.await(() -> engine.list(Map.of(Labels.GROUP_ID, g)).isEmpty() ? Boolean.TRUE : null,
              "engine to hold no container of " + g);
        }
      }
    } finally {
      if (server != null) server.close();
      if (registry != null) registry.close();
      for (String image : pushed) engine.removeImage(image);
    }
  }

  static Map<String, Object> q(String... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("RegionId", "cn-hangzhou");
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  /** A group that may pull from and push to the test registry (its credential and InsecureRegistry). */
  static Map<String, Object> group(String name, String image, String policy, String script, String... kv) {
    Map<String, Object> m = q("ContainerGroupName", name + "-" + SdkEndToEndIT.shortId(), "RestartPolicy", "Never",
        "Container.1.Name", "app", "Container.1.Image", image, "Container.1.ImagePullPolicy", policy,
        "Container.1.Command.1", "/bin/sh", "Container.1.Arg.1", "-c", "Container.1.Arg.2", script,
        "InsecureRegistry", registry.address(), "ImageRegistryCredential.1.Server", registry.address(),
        "ImageRegistryCredential.1.UserName", TestRegistry.USER,
        "ImageRegistryCredential.1.Password", registry.password);
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  static String create(Map<String, Object> query) throws Exception {
    String id = (String) EciClients.call(client, "CreateContainerGroup", query).get("ContainerGroupId");
    groups.add(id);
    return id;
  }

  static List<Map<String, Object>> tasks(String... filters) throws Exception {
    return SdkEndToEndIT.asList(EciClients.call(client, "DescribeCommitContainerTask", q(filters)).get("CommitTasks"));
  }

  static Map<String, Object> awaitTask(String taskId, String status) {
    return SdkEndToEndIT.await(() -> {
      try {
        List<Map<String, Object>> found = tasks("TaskId.1", taskId);
        return found.size() == 1 && status.equals(found.get(0).get("TaskStatus")) ? found.get(0) : null;
      } catch (com.aliyun.tea.TeaUnretryableException e) {
        return null; // restarting
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }, "commit task " + taskId + " " + status + "\nserver log:\n" + server.logText());
  }

  static String code(Throwable e) {
    return ((TeaException) e).getCode();
  }

  @Test
  void aCommittedAndPushedContainerRunsAsANewGroup() throws Exception {
    String id = SdkEndToEndIT.shortId();
    String marker = "committed-" + id;
    String source = create(group("commit-src", busybox, "IfNotPresent", "sleep 3600"));
    SdkEndToEndIT.awaitStatus(client, source, "Running");
    Map<String, Object> exec = EciClients.call(client, "ExecContainerCommand", q("ContainerGroupId", source,
        "ContainerName", "app", "Command", "[\"/bin/sh\",\"-c\",\"echo " + marker + " > /committed.txt\"]",
        "Sync", "true"));
    assertThat(exec).containsKey("SyncResponse");

    String repository = registry.address() + "/openeci/committed-" + id;
    String target = repository + ":v1";
    pushed.add(target);
    String taskId = (String) EciClients.call(client, "CommitContainer", q("ContainerGroupId", source,
        "ContainerName", "app", "Image.Repository", repository, "Image.Tag", "v1", "Image.Author", "it",
        "Image.Message", "commit test", "AcrRegistryInfo.InstanceId", "cri-local")).get("TaskId");
    assertThat(taskId).matches("t-[a-z0-9]{20}");

    Map<String, Object> done = awaitTask(taskId, "Succeeded");
    assertThat(done).containsEntry("ContainerName", "app").containsEntry("TaskProgress", "100%");
    assertThat((String) done.get("TaskFinishedTime")).isNotEmpty();
    List<Map<String, Object>> phases = SdkEndToEndIT.asList(done.get("CommitPhaseInfos"));
    assertThat(phases).extracting(p -> p.get("Phase")).containsExactly("CommitContainer", "PushImage");
    assertThat(phases).extracting(p -> p.get("Status")).containsOnly("Success");
    assertThat(done.toString()).doesNotContain(registry.password);
    // The committed image is not left in the engine: the new group pulls it from the registry.
    assertThat(engine.hasImage(target)).isFalse();
    assertThat(engine.hasImage("localhost/openeci-commit/" + taskId + ":1")).isFalse();

    String copy = create(group("commit-copy", target, "Always", "cat /committed.txt"));
    SdkEndToEndIT.awaitStatus(client, copy, "Succeeded");
    String log = (String) EciClients.call(client, "DescribeContainerLog", q("ContainerGroupId", copy,
        "ContainerName", "app")).get("Content");
    assertThat(log).isEqualTo(marker + "\n");

    // Stored: after a restart the task is still described, by group and by status. A commit running
    // when openeci is killed is never left Running: Failed with the restart's reason (or Succeeded when
    // it was fast enough), and its local image is removed.
    String cutId = (String) EciClients.call(client, "CommitContainer", q("ContainerGroupId", source,
        "ContainerName", "app", "Image.Repository", repository, "Image.Tag", "cut")).get("TaskId");
    pushed.add(repository + ":cut");
    server.kill9();
    server.start();
    Map<String, Object> cut = SdkEndToEndIT.await(() -> {
      try {
        List<Map<String, Object>> found = tasks("TaskId.1", cutId);
        return found.size() == 1 ? found.get(0) : null;
      } catch (Exception e) {
        return null; // starting
      }
    }, "commit task " + cutId);
    assertThat(cut.get("TaskStatus")).isIn("Failed", "Succeeded");
    if ("Failed".equals(cut.get("TaskStatus"))) {
      assertThat((String) cut.get("StatusMessage")).contains("interrupted by a restart of openeci");
    }
    SdkEndToEndIT.await(() -> engine.hasImage("localhost/openeci-commit/" + cutId + ":1") ? null : Boolean.TRUE,
        "the interrupted commit's local image to be removed");
    Map<String, Object> after = awaitTask(taskId, "Succeeded");
    assertThat(after.get("TaskCreationTime")).isEqualTo(done.get("TaskCreationTime"));
    assertThat(tasks("ContainerGroupId", source, "TaskStatus", "Succeeded")).extracting(t -> t.get("TaskId"))
        .contains(taskId);
    assertThat(tasks("ContainerGroupId", source, "TaskStatus", "Running")).isEmpty();
    assertThat(server.logText()).doesNotContain(registry.password);

    // A wrong password: the push fails, the task is Failed with the registry's reason, never the password.
    String wrong = "wrong-" + id;
    String failedId = (String) EciClients.call(client, "CommitContainer", q("ContainerGroupId", source,
        "ContainerName", "app", "Image.Repository", repository, "Image.Tag", "denied",
        "ImageRegistryCredential.1.Server", registry.address(), "ImageRegistryCredential.1.UserName",
        TestRegistry.USER, "ImageRegistryCredential.1.Password", wrong)).get("TaskId");
    Map<String, Object> failed = awaitTask(failedId, "Failed");
    assertThat((String) failed.get("StatusMessage")).containsIgnoringCase("unauthorized");
    assertThat(failed.toString()).doesNotContain(wrong);
    assertThat(server.logText()).doesNotContain(wrong);

    // UpdateImageCache: a cache of the pushed image, renamed and pulled again.
    String cache = (String) EciClients.call(client, "CreateImageCache", q("ImageCacheName", "commit-" + id,
        "Image.1", target, "InsecureRegistry", registry.address(), "ImageRegistryCredential.1.Server",
        registry.address(), "ImageRegistryCredential.1.UserName", TestRegistry.USER,
        "ImageRegistryCredential.1.Password", registry.password)).get("ImageCacheId");
    caches.add(cache);
    awaitCache(cache, "Ready");
    EciClients.call(client, "UpdateImageCache", q("ImageCacheId", cache, "ImageCacheName", "renamed-" + id,
        "RetentionDays", "2", "Image.1", target, "InsecureRegistry", registry.address(),
        "ImageRegistryCredential.1.Server", registry.address(), "ImageRegistryCredential.1.UserName",
        TestRegistry.USER, "ImageRegistryCredential.1.Password", registry.password));
    Map<String, Object> updated = awaitCache(cache, "Ready");
    assertThat(updated).containsEntry("ImageCacheName", "renamed-" + id);
    assertThat(SdkEndToEndIT.asList(updated.get("Events"))).extracting(e -> e.get("Name"))
        .contains("Updated", "Updating", "Pulled")
        .last().isEqualTo("Ready");
    assertThat(SdkEndToEndIT.asList(EciClients.call(client, "DescribeImageCaches",
        q("ImageCacheName", "renamed-" + id)).get("ImageCaches"))).hasSize(1);
    assertThat(updated.toString()).doesNotContain(registry.password);
  }

  static Map<String, Object> awaitCache(String id, String status) {
    return SdkEndToEndIT.await(() -> {
      try {
        List<Map<String, Object>> found = SdkEndToEndIT.asList(EciClients.call(client, "DescribeImageCaches",
            q("ImageCacheId", id)).get("ImageCaches"));
        return found.size() == 1 && status.equals(found.get(0).get("Status")) ? found.get(0) : null;
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }, "image cache " + id + " " + status);
  }

  @Test
  void refusalsUseDocumentedCodes() throws Exception {
    String id = create(group("commit-refuse", busybox, "IfNotPresent", "exit 0",
        "Volume.1.Name", "data", "Volume.1.Type", "DiskVolume", "Volume.1.DiskVolume.DiskSize", "30",
        "Volume.2.Name", "scratch", "Volume.2.Type", "EmptyDirVolume"));
    SdkEndToEndIT.awaitStatus(client, id, "Succeeded");
    String repo = registry.address() + "/openeci/refused";
    assertThatThrownBy(() -> EciClients.call(client, "CommitContainer", q("ContainerGroupId", id,
        "ContainerName", "app", "Image.Repository", repo)))
        .satisfies(e -> assertThat(code(e)).isEqualTo("IncorrectStatus"));
    assertThatThrownBy(() -> EciClients.call(client, "CommitContainer", q("ContainerGroupId", id,
        "ContainerName", "app", "Image.Repository", "Not A Repo")))
        .satisfies(e -> assertThat(code(e)).isEqualTo("InvalidParameter"));
    assertThatThrownBy(() -> EciClients.call(client, "CommitContainer", q("ContainerGroupId",
        "eci-00000000000000000000", "ContainerName", "app", "Image.Repository", repo)))
        .satisfies(e -> assertThat(code(e)).isEqualTo("InvalidParameter.NotFound"));
    assertThatThrownBy(() -> EciClients.call(client, "DescribeCommitContainerTask", q()))
        .satisfies(e -> assertThat(code(e)).isEqualTo("MissingParameter"));

    assertThatThrownBy(() -> EciClients.call(client, "ResizeContainerGroupVolume", q("ContainerGroupId", id,
        "VolumeName", "data", "NewSize", "40")))
        .satisfies(e -> assertThat(code(e)).isEqualTo("OperationDenied.VolumeResize"));
    assertThatThrownBy(() -> EciClients.call(client, "ResizeContainerGroupVolume", q("ContainerGroupId", id,
        "VolumeName", "data", "NewSize", "30")))
        .satisfies(e -> assertThat(code(e)).isEqualTo("InvalidParameter"));
    assertThatThrownBy(() -> EciClients.call(client, "ResizeContainerGroupVolume", q("ContainerGroupId", id,
        "VolumeName", "scratch", "NewSize", "40")))
        .satisfies(e -> assertThat(code(e)).isEqualTo("InvalidVolumeType"));
    assertThatThrownBy(() -> EciClients.call(client, "ResizeContainerGroupVolume", q("ContainerGroupId", id,
        "VolumeName", "missing", "NewSize", "40")))
        .satisfies(e -> assertThat(code(e)).isEqualTo("InvalidParameter"));
  }
}
