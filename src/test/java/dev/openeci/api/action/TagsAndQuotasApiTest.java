package dev.openeci.api.action;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.api.rpc.Authenticator;
import dev.openeci.api.rpc.CredentialStore;
import dev.openeci.api.rpc.HttpReply;
import dev.openeci.api.rpc.ResponseWriter;
import dev.openeci.api.rpc.RpcRequest;
import dev.openeci.config.ServerConfig;
import dev.openeci.group.GroupService;
import dev.openeci.group.Quotas;
import dev.openeci.server.ApiDispatcher;
import dev.openeci.store.Database;
import dev.openeci.store.GroupRepository;
import dev.openeci.testing.ApiHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tag and usage actions through the real dispatcher and SQLite store, with Create, Update and
 * Describe: tags are one set whichever action set them, and each account sees only its own.
 */
class TagsAndQuotasApiTest {
  @TempDir
  Path dir;
  Database db;
  GroupRepository repo;
  GroupService service;
  /** The same store seen by two accounts. */
  ApiDispatcher mine;
  ApiDispatcher theirs;
  final ObjectMapper json = new ObjectMapper();

  @BeforeEach
  void open() {
    db = Database.open(dir.resolve("openeci.db"));
    repo = new GroupRepository(db);
    service = new GroupService(repo, InstantSource.system(), id -> {}, s -> {}, new Quotas(3, 4, -1, -1, -1, -1));
    mine = dispatcher("acct");
    theirs = dispatcher("other");
  }

  ApiDispatcher dispatcher(String account) {
    InstantSource clock = InstantSource.system();
    ServerConfig config = new ServerConfig("127.0.0.1", 0, dir, List.of("cn-hangzhou"), null, Duration.ofSeconds(60),
        1, dev.openeci.config.PodPolicy.DEFAULT, dev.openeci.config.EdgeConfig.DEFAULT.withAuthFailures(0, 1));
    CredentialStore keys = id -> Optional.of(new CredentialStore.Credential(ApiHarness.KEY, ApiHarness.SECRET,
        account));
    return new ApiDispatcher(List.of(
        new CreateContainerGroupAction(service, config::zoneOf),
        new UpdateContainerGroupAction(service, config::zoneOf),
        new DeleteContainerGroupAction(service),
        new DescribeContainerGroupsAction(repo, clock),
        new TagResourcesAction(service, repo, null),
        new UntagResourcesAction(service, repo, null),
        new ListTagResourcesAction(service, repo, null),
        new ListUsageAction(service, null, (a, r) -> 7L)),
        new Authenticator(keys, clock), new ResponseWriter(), config);
  }

  @AfterEach
  void close() {
    db.close();
  }

  record Reply(int status, JsonNode body) {
    String code() {
      return body.path("Code").asText("");
    }
  }

  Reply call(ApiDispatcher d, String action, String... kv) {
    Map<String, String> p = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) p.put(kv[i], kv[i + 1]);
    HttpReply r = d.handle(new RpcRequest("POST", "/", ApiHarness.signedQuery(action, p), Map.of("host", "t"),
        new byte[0]));
    try {
      return new Reply(r.status(), json.readTree(r.body()));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  String create(String name, String cpu, String... tags) {
    List<String> kv = new ArrayList<>(List.of("ContainerGroupName", name, "Container.1.Name", "app",
        "Container.1.Image", "busybox", "Cpu", cpu, "Memory", "2"));
    kv.addAll(List.of(tags));
    Reply r = call(mine, "CreateContainerGroup", kv.toArray(String[]::new));
    assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
    return r.body().get("ContainerGroupId").asText();
  }

  Map<String, String> describedTags(String id) {
    JsonNode g = call(mine, "DescribeContainerGroups", "ContainerGroupIds", "[\"" + id + "\"]")
        .body().get("ContainerGroups").get(0);
    Map<String, String> out = new LinkedHashMap<>();
    g.get("Tags").forEach(t -> out.put(t.get("Key").asText(), t.get("Value").asText()));
    return out;
  }

  List<String> describedIds(String... filter) {
    List<String> out = new ArrayList<>();
    call(mine, "DescribeContainerGroups", filter).body().get("ContainerGroups")
        .forEach(g -> out.add(g.get("ContainerGroupId").asText()));
    return out;
  }

  List<String> listed(ApiDispatcher d, String... kv) {
    Reply r = call(d, "ListTagResources", kv);
    assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
    List<String> out = new ArrayList<>();
    r.body().get("TagResources").forEach(t -> out.add(t.get("ResourceId").asText() + " "
        + t.get("ResourceType").asText() + " " + t.get("TagKey").asText() + "=" + t.get("TagValue").asText()));
    return out;
  }

  @Test
  void tagsSetByCreateOrTagResourcesAreOneSetSeenByListDescribeAndTheFilter() {
    String a = create("alpha", "1", "Tag.1.Key", "team", "Tag.1.Value", "red");
    String b = create("beta", "1");
    assertThat(listed(mine, "ResourceType", "ContainerGroup", "ResourceId.1", a))
        .containsExactly(a + " ContainerGroup team=red");

    Reply tag = call(mine, "TagResources", "ResourceType", "ContainerGroup", "ResourceId.1", a, "ResourceId.2", b,
        "Tag.1.Key", "env", "Tag.1.Value", "prod", "Tag.2.Key", "team", "Tag.2.Value", "blue");
    assertThat(tag.status()).as(tag.body().toString()).isEqualTo(200);
    assertThat(tag.body().has("RequestId")).isTrue();
    assertThat(describedTags(a)).containsExactly(Map.entry("team", "blue"), Map.entry("env", "prod"));
    assertThat(describedIds("Tag.1.Key", "env", "Tag.1.Value", "prod")).containsExactlyInAnyOrder(a, b);
    assertThat(listed(mine, "ResourceType", "ContainerGroup", "Tag.1.Key", "team", "Tag.1.Value", "blue"))
        .hasSize(4);

    Reply untag = call(mine, "UntagResources", "ResourceType", "ContainerGroup", "ResourceId.1", a,
        "TagKey.1", "env", "TagKey.2", "nope");
    assertThat(untag.status()).as(untag.body().toString()).isEqualTo(200);
    assertThat(describedIds("Tag.1.Key", "env")).containsExactly(b);
    assertThat(call(mine, "UntagResources", "ResourceType", "ContainerGroup", "ResourceId.1", b, "All", "true")
        .status()).isEqualTo(200);
    assertThat(describedTags(b)).isEmpty();
    assertThat(repo.get(a).orElseThrow().specVersion()).isEqualTo(1); // tags restart nothing

    // tags survive a reopen of the store, parameters included
    db.close();
    db = Database.open(dir.resolve("openeci.db"));
    repo = new GroupRepository(db);
    assertThat(repo.get(a).orElseThrow().spec().tags()).extracting(t -> t.key() + "=" + t.value())
        .containsExactly("team=blue");
    assertThat(repo.requestParams(a)).containsEntry("Tag.1.Key", "team").containsEntry("Tag.1.Value", "blue")
        .doesNotContainKey("Tag.2.Key");
  }

  @Test
  void anUpdateWithoutTagKeepsTheTagsTagResourcesSet() {
    String a = create("alpha", "1", "Tag.1.Key", "team", "Tag.1.Value", "red");
    call(mine, "TagResources", "ResourceType", "ContainerGroup", "ResourceId.1", a, "Tag.1.Key", "env",
        "Tag.1.Value", "prod");
    repo.modify(a, g -> g.withState(g.state().withStatus(dev.openeci.group.GroupStatus.Running), g.updatedTime()));
    Reply u = call(mine, "UpdateContainerGroup", "ContainerGroupId", a, "RestartPolicy", "Never");
    assertThat(u.status()).as(u.body().toString()).isEqualTo(200);
    assertThat(describedTags(a)).containsExactly(Map.entry("team", "red"), Map.entry("env", "prod"));
  }

  @Test
  void anotherAccountsResourcesAreNotFoundAndNotListed() {
    String a = create("alpha", "1", "Tag.1.Key", "team", "Tag.1.Value", "red");
    Reply r = call(theirs, "TagResources", "ResourceType", "ContainerGroup", "ResourceId.1", a, "Tag.1.Key", "x");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.code()).isEqualTo("InvalidParameter.NotFound");
    assertThat(call(theirs, "UntagResources", "ResourceType", "ContainerGroup", "ResourceId.1", a, "All", "true")
        .code()).isEqualTo("InvalidParameter.NotFound");
    assertThat(listed(theirs, "ResourceType", "ContainerGroup", "ResourceId.1", a)).isEmpty();
    assertThat(listed(theirs, "ResourceType", "ContainerGroup", "Tag.1.Key", "team")).isEmpty();
    assertThat(describedTags(a)).containsExactly(Map.entry("team", "red"));
    // one unknown id among known ones: nothing changes
    Reply mixed = call(mine, "TagResources", "ResourceType", "ContainerGroup", "ResourceId.1", a,
        "ResourceId.2", "eci-nope", "Tag.1.Key", "x");
    assertThat(mixed.code()).isEqualTo("InvalidParameter.NotFound");
    assertThat(describedTags(a)).containsOnlyKeys("team");
  }

  @Test
  void twentyTagsPerResourceInAll() {
    List<String> kv = new ArrayList<>();
    for (int i = 1; i <= 19; i++) kv.addAll(List.of("Tag." + i + ".Key", "k" + i));
    String a = create("alpha", "1", kv.toArray(String[]::new));
    assertThat(call(mine, "TagResources", "ResourceType", "ContainerGroup", "ResourceId.1", a, "Tag.1.Key", "k20")
        .status()).isEqualTo(200);
    Reply over = call(mine, "TagResources", "ResourceType", "ContainerGroup", "ResourceId.1", a, "Tag.1.Key", "k21");
    assertThat(over.status()).isEqualTo(400);
    assertThat(over.code()).isEqualTo("NumberExceed.Tags");
    assertThat(describedTags(a)).hasSize(20);
    assertThat(call(mine, "ListTagResources", "ResourceType", "ContainerGroup").code()).isEqualTo("MissingParameter");
  }

  @Test
  void imageCacheTagsOnABackendWithoutImageCachesAreUnsupported() {
    assertThat(call(mine, "TagResources", "ResourceType", "ImageCache", "ResourceId.1", "imc-1", "Tag.1.Key", "a")
        .code()).isEqualTo("UnsupportedOperation");
    assertThat(call(mine, "ListTagResources", "ResourceType", "ImageCache", "ResourceId.1", "imc-1").code())
        .isEqualTo("UnsupportedOperation");
    assertThat(call(mine, "TagResources", "ResourceType", "VirtualNode", "ResourceId.1", "vnd-1", "Tag.1.Key", "a")
        .code()).isEqualTo("InvalidParameter");
  }

  @Test
  void listTagResourcesPagesWithNextToken() {
    String a = create("alpha", "1", "Tag.1.Key", "a", "Tag.2.Key", "b", "Tag.3.Key", "c");
    String b = create("beta", "1", "Tag.1.Key", "a");
    List<String> all = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      Reply r = call(mine, "ListTagResources", "ResourceType", "ContainerGroup", "ResourceId.1", a, "ResourceId.2", b,
          "Limit", "3", "NextToken", token);
      r.body().get("TagResources").forEach(t -> all.add(t.get("ResourceId").asText() + "/" + t.get("TagKey").asText()));
      token = r.body().get("NextToken").asText();
      pages++;
    } while (!token.isEmpty());
    assertThat(pages).isEqualTo(2);
    assertThat(all).containsExactlyInAnyOrder(a + "/a", a + "/b", a + "/c", b + "/a").doesNotHaveDuplicates();
  }

  @Test
  void listUsageAndQuotaExceededThroughTheApi() {
    JsonNode before = call(mine, "ListUsage").body().get("Attributes");
    assertThat(before.get("UsedContainerGroupCount").asLong()).isZero();
    assertThat(before.get("MaxContainerGroupCount").asLong()).isEqualTo(3);
    assertThat(before.get("MaxCpu").asLong()).isEqualTo(4);
    assertThat(before.get("MaxMemory").asLong()).isEqualTo(-1);
    assertThat(before.get("UsedDataCacheCount").asLong()).isEqualTo(7);
    assertThat(before.get("UsedImageCacheCount").asLong()).isZero();

    String a = create("alpha", "2");
    create("beta", "1");
    JsonNode after = call(mine, "ListUsage").body().get("Attributes");
    assertThat(after.get("UsedContainerGroupCount").asLong()).isEqualTo(2);
    assertThat(after.get("UsedCpu").asDouble()).isEqualTo(3.0);
    assertThat(after.get("UsedMemory").asDouble()).isEqualTo(4.0);
    assertThat(call(theirs, "ListUsage").body().get("Attributes").get("UsedContainerGroupCount").asLong()).isZero();

    Reply refused = call(mine, "CreateContainerGroup", "ContainerGroupName", "gamma", "Container.1.Name", "app",
        "Container.1.Image", "busybox", "Cpu", "2", "Memory", "4");
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.code()).isEqualTo("QuotaExceeded");
    assertThat(refused.body().get("Message").asText()).contains("vCPU quota exceeded");
    Reply dryRun = call(mine, "CreateContainerGroup", "ContainerGroupName", "gamma", "Container.1.Name", "app",
        "Container.1.Image", "busybox", "Cpu", "2", "Memory", "4", "DryRun", "true");
    assertThat(dryRun.code()).isEqualTo("QuotaExceeded"); // a dry run checks the quotas too
    assertThat(call(mine, "CreateContainerGroup", "ContainerGroupName", "gamma", "Container.1.Name", "app",
        "Container.1.Image", "busybox", "Cpu", "1", "Memory", "2", "DryRun", "true").code()).isEqualTo("DryRun.Success");
    repo.modify(a, g -> g.withState(g.state().withStatus(dev.openeci.group.GroupStatus.Running), g.updatedTime()));
    assertThat(call(mine, "UpdateContainerGroup", "ContainerGroupId", a, "Cpu", "4", "Memory", "8", "DryRun", "true")
        .code()).isEqualTo("QuotaExceeded");
    assertThat(call(mine, "UpdateContainerGroup", "ContainerGroupId", a, "Cpu", "4", "Memory", "8").code())
        .isEqualTo("QuotaExceeded");
    assertThat(call(mine, "UpdateContainerGroup", "ContainerGroupId", a, "Cpu", "1", "Memory", "2").status())
        .isEqualTo(200); // shrinking is always admitted

    assertThat(call(mine, "DeleteContainerGroup", "ContainerGroupId", a).status()).isEqualTo(200);
    assertThat(call(mine, "ListUsage").body().get("Attributes").get("UsedCpu").asDouble()).isEqualTo(1.0);
    create("gamma", "2");
    assertThat(call(mine, "ListUsage").body().get("Attributes").get("UsedCpu").asDouble()).isEqualTo(3.0);
  }
}
