package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aliyun.tea.TeaException;
import dev.openeci.testing.TestEngine;
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
 * Issue 13 items 2 and 3 through the official Tea client (tea-openapi callApi, as the generated ECI
 * clients call TagResources, UntagResources, ListTagResources and ListUsage), against a real
 * {@code serve} with {@code --quota-*} flags on the local engine: tags set by TagResources show in
 * and filter DescribeContainerGroups, tags set at create show in ListTagResources, another
 * account's group is NotFound, a create past the quota is refused with QuotaExceeded (HTTP 403) and
 * ListUsage follows creates and deletes. Nothing waits for a container to run, so it is quick.
 */
class TagsAndQuotasIT {
  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client admin;
  static com.aliyun.teaopenapi.Client other;
  static final List<String> groups = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    long t0 = System.nanoTime();
    TestEngine.busyboxImage();
    server = new ServerProcess(dataDir, TestEngine.endpoint()).withArgs("--quota-groups", "2", "--quota-cpu", "3",
        "--quota-image-caches", "1").start();
    admin = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
    Map<String, String> key = SdkEndToEndIT.createAccessKeyIn(dataDir, "tags-other");
    // the other account signs with the legacy RPC signature: both signatures reach the new actions
    other = EciClients.tea(server.endpoint(), key.get("OPENECI_ACCESS_KEY_ID"), key.get("OPENECI_ACCESS_KEY_SECRET"),
        true);
    System.out.println("TagsAndQuotasIT: server and second account ready in " + (System.nanoTime() - t0) / 1_000_000
        + " ms");
  }

  @AfterAll
  static void stop() throws Exception {
    long t0 = System.nanoTime();
    try {
      for (String id : groups) {
        try {
          EciClients.call(admin, "DeleteContainerGroup", q("ContainerGroupId", id));
        } catch (TeaException gone) {
          // deleted by the test
        }
      }
      for (String id : groups) SdkEndToEndIT.awaitNoContainers(id); // the engine holds nothing of them
      System.out.println("TagsAndQuotasIT: " + groups.size() + " groups gone from the engine in "
          + (System.nanoTime() - t0) / 1_000_000 + " ms");
    } finally {
      if (server != null) server.close();
    }
  }

  static Map<String, Object> q(String... kv) {
    return LogsAndExecIT.q(kv);
  }

  static String create(String name, double cpu) throws Exception {
    Map<String, Object> query = new LinkedHashMap<>(q("ContainerGroupName", name + "-" + SdkEndToEndIT.shortId(),
        "RestartPolicy", "Never", "Tag.1.Key", "suite", "Tag.1.Value", "e2e", "Container.1.Name", "app",
        "Container.1.Image", TestEngine.busyboxImage(), "Container.1.ImagePullPolicy", "IfNotPresent",
        "Container.1.Command.1", "/bin/sh", "Container.1.Arg.1", "-c",
        "Container.1.Arg.2", "trap 'exit 0' TERM; sleep 300 & wait"));
    query.put("Cpu", cpu);
    query.put("Memory", 2.0);
    String id = (String) EciClients.call(admin, "CreateContainerGroup", query).get("ContainerGroupId");
    groups.add(id);
    return id;
  }

  static void delete(String id) throws Exception {
    EciClients.call(admin, "DeleteContainerGroup", q("ContainerGroupId", id));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> usage() throws Exception {
    return (Map<String, Object>) EciClients.call(admin, "ListUsage", q()).get("Attributes");
  }

  static long number(Map<String, Object> attributes, String name) {
    return ((Number) attributes.get(name)).longValue();
  }

  static List<String> tagRows(com.aliyun.teaopenapi.Client client, String... kv) throws Exception {
    List<String> out = new ArrayList<>();
    for (Map<String, Object> row : SdkEndToEndIT.asList(EciClients.call(client, "ListTagResources", q(kv))
        .get("TagResources"))) {
      out.add(row.get("ResourceId") + " " + row.get("ResourceType") + " " + row.get("TagKey") + "="
          + row.get("TagValue"));
    }
    return out;
  }

  static List<String> describedWith(String key, String value) throws Exception {
    List<String> out = new ArrayList<>();
    for (Map<String, Object> g : SdkEndToEndIT.asList(EciClients.call(admin, "DescribeContainerGroups",
        q("Tag.1.Key", key, "Tag.1.Value", value)).get("ContainerGroups"))) {
      out.add((String) g.get("ContainerGroupId"));
    }
    return out;
  }

  @Test
  void tagUntagListAndTheDescribeFilterAgree() throws Exception {
    String id = create("tags", 0.5);
    try {
      // the tag set at create is listed
      assertThat(tagRows(admin, "ResourceType", "ContainerGroup", "ResourceId.1", id))
          .containsExactly(id + " ContainerGroup suite=e2e");

      Map<String, Object> tagged = EciClients.call(admin, "TagResources", q("ResourceType", "ContainerGroup",
          "ResourceId.1", id, "Tag.1.Key", "team", "Tag.1.Value", "red"));
      assertThat(tagged).containsKey("RequestId");
      assertThat(describedWith("team", "red")).containsExactly(id);
      assertThat(SdkEndToEndIT.asList(SdkEndToEndIT.describe(admin, id).get(0).get("Tags")))
          .extracting(t -> t.get("Key") + "=" + t.get("Value")).containsExactly("suite=e2e", "team=red");
      assertThat(tagRows(admin, "ResourceType", "ContainerGroup", "Tag.1.Key", "team"))
          .containsExactly(id + " ContainerGroup suite=e2e", id + " ContainerGroup team=red");

      // another account: NotFound for its writes, nothing in its listing
      assertThatThrownBy(() -> EciClients.call(other, "TagResources", q("ResourceType", "ContainerGroup",
          "ResourceId.1", id, "Tag.1.Key", "owner", "Tag.1.Value", "mallory")))
          .isInstanceOfSatisfying(TeaException.class, e -> {
            assertThat(e.getCode()).isEqualTo("InvalidParameter.NotFound");
            assertThat(e.getStatusCode()).isEqualTo(404);
          });
      assertThat(tagRows(other, "ResourceType", "ContainerGroup", "ResourceId.1", id)).isEmpty();

      // the 20-tag limit counts the tags the group has
      Map<String, Object> many = q("ResourceType", "ContainerGroup", "ResourceId.1", id);
      for (int i = 1; i <= 19; i++) many.put("Tag." + i + ".Key", "k" + i);
      assertThatThrownBy(() -> EciClients.call(admin, "TagResources", many))
          .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("NumberExceed.Tags"));

      EciClients.call(admin, "UntagResources", q("ResourceType", "ContainerGroup", "ResourceId.1", id,
          "TagKey.1", "team"));
      assertThat(describedWith("team", "red")).isEmpty();
      assertThat(tagRows(admin, "ResourceType", "ContainerGroup", "ResourceId.1", id))
          .containsExactly(id + " ContainerGroup suite=e2e");
    } finally {
      delete(id);
    }
  }

  @Test
  void quotaRefusalAndListUsageFollowCreatesAndDeletes() throws Exception {
    Map<String, Object> before = usage();
    assertThat(number(before, "MaxContainerGroupCount")).isEqualTo(2);
    assertThat(number(before, "MaxCpu")).isEqualTo(3);
    assertThat(before).containsKeys("UsedDataCacheCount", "MaxDataCacheCount", "UsedImageCacheCount", "UsedMemory");
    long used = number(before, "UsedContainerGroupCount");

    List<String> mine = new ArrayList<>();
    while (used + mine.size() < 2) mine.add(create("quota", 1));
    Map<String, Object> full = usage();
    assertThat(number(full, "UsedContainerGroupCount")).isEqualTo(2);

    assertThatThrownBy(() -> create("over", 0.25)).isInstanceOfSatisfying(TeaException.class, e -> {
      assertThat(e.getCode()).isEqualTo("QuotaExceeded");
      assertThat(e.getStatusCode()).isEqualTo(403);
      assertThat(e.getMessage()).contains("container group quota exceeded");
    });
    // another account has its own quota
    Map<String, Object> theirs = EciClients.call(other, "ListUsage", q());
    assertThat(number(castMap(theirs.get("Attributes")), "UsedContainerGroupCount")).isZero();

    delete(mine.get(0));
    assertThat(number(usage(), "UsedContainerGroupCount")).isEqualTo(1); // counts stop at DeleteContainerGroup
    String again = create("again", 1);
    assertThat(number(usage(), "UsedCpu")).isEqualTo(number(full, "UsedCpu"));
    delete(again);
    for (String id : mine.subList(1, mine.size())) delete(id);
  }

  @Test
  void imageCachesCarryTagsAndCountAgainstTheirQuota() throws Exception {
    String cache = (String) EciClients.call(admin, "CreateImageCache", q("ImageCacheName",
        "tags-" + SdkEndToEndIT.shortId(), "Image.1", TestEngine.busyboxImage())).get("ImageCacheId");
    try {
      assertThat(number(usage(), "UsedImageCacheCount")).isEqualTo(1);
      EciClients.call(admin, "TagResources", q("ResourceType", "ImageCache", "ResourceId.1", cache,
          "Tag.1.Key", "team", "Tag.1.Value", "blue"));
      assertThat(tagRows(admin, "ResourceType", "ImageCache", "ResourceId.1", cache))
          .containsExactly(cache + " ImageCache team=blue");
      assertThatThrownBy(() -> EciClients.call(admin, "CreateImageCache", q("ImageCacheName",
          "tags2-" + SdkEndToEndIT.shortId(), "Image.1", TestEngine.busyboxImage())))
          .isInstanceOfSatisfying(TeaException.class, e -> {
            assertThat(e.getCode()).isEqualTo("QuotaExceeded");
            assertThat(e.getMessage()).contains("image cache quota exceeded");
          });
    } finally {
      EciClients.call(admin, "DeleteImageCache", q("ImageCacheId", cache));
    }
    assertThat(number(usage(), "UsedImageCacheCount")).isZero();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> castMap(Object o) {
    return (Map<String, Object>) o;
  }
}
