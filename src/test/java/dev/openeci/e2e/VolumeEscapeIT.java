package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aliyun.tea.TeaException;
import dev.openeci.testing.TestEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, findings 1-3 and the volume parts of 6 and 8, attacked through the official client on
 * the real engine: what a hostile tenant did to reach the host or another account's data.
 *
 * <p>Secure semantics (docs/security.md): a SubPath that is, or goes through, a symbolic link is
 * refused, whatever the link points to; the container waits (ContainerCreating) with a Warning
 * {@code FailedMount} event and is retried under the back-off, as the kubelet does.
 */
class VolumeEscapeIT {
  static final String SLEEP = PodConfigIT.SLEEP;

  @TempDir
  static Path dataDir;
  @TempDir
  static Path victimDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;
  final List<String> created = new ArrayList<>();
  final List<com.aliyun.teaopenapi.Client> owners = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    PodConfigIT.image = TestEngine.busyboxImage();
    server = new ServerProcess(dataDir, TestEngine.endpoint()).start();
    SdkEndToEndIT.server = server;
    SdkEndToEndIT.engine = TestEngine.runtime();
    client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
    PodConfigIT.client = client;
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
  }

  @AfterEach
  void deleteGroups() {
    for (int i = 0; i < created.size(); i++) {
      try {
        EciClients.call(owners.get(i), "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId",
            created.get(i)));
      } catch (Exception e) {
        // already gone
      }
    }
    for (String id : created) SdkEndToEndIT.awaitNoContainers(id);
    created.clear();
    owners.clear();
  }

  String create(com.aliyun.teaopenapi.Client as, Map<String, Object> q) throws Exception {
    String id = (String) EciClients.call(as, "CreateContainerGroup", q).get("ContainerGroupId");
    created.add(id);
    owners.add(as);
    return id;
  }

  static String exec(com.aliyun.teaopenapi.Client as, String id, String container, String script) throws Exception {
    String command = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(List.of("/bin/sh", "-c", script));
    Map<String, Object> r = EciClients.call(as, "ExecContainerCommand", Map.of("RegionId", "cn-hangzhou",
        "ContainerGroupId", id, "ContainerName", container, "Command", command, "Sync", "true"));
    return (String) r.get("SyncResponse");
  }

  /** An init container plants {@code ln -s / <volume>/x}; the app mounts the volume with SubPath=x. */
  private Map<String, Object> plantedRootLink(String volumeType, String diskId) {
    Map<String, Object> q = PodConfigIT.group("escape");
    q.put("Volume.1.Name", "data");
    q.put("Volume.1.Type", volumeType);
    if (diskId != null) q.put("Volume.1.DiskVolume.DiskId", diskId);
    q.put("InitContainer.1.Name", "plant");
    q.put("InitContainer.1.Image", PodConfigIT.image);
    q.put("InitContainer.1.Command.1", "/bin/sh");
    q.put("InitContainer.1.Arg.1", "-c");
    q.put("InitContainer.1.Arg.2", "rm -rf /data/x; ln -s / /data/x && mkdir -p /data/real && ln -s ../real /data/inner");
    PodConfigIT.mount(q, "InitContainer.1.", 1, "data", "/data", null, false, null);
    PodConfigIT.container(q, 1, "app", SLEEP);
    PodConfigIT.mount(q, "Container.1.", 1, "data", "/data", null, false, null);
    PodConfigIT.mount(q, "Container.1.", 2, "data", "/host", "x", false, null);
    return q;
  }

  /** The app either never runs (FailedMount naming the link) or, if it runs, must not see the host. */
  private void assertNoEscape(String id) throws Exception {
    Object seen = SdkEndToEndIT.await(() -> {
      try {
        Map<String, Object> g = SdkEndToEndIT.describe(client, id).get(0);
        if ("Running".equals(g.get("Status"))) return "running";
        return PodConfigIT.events(id).stream().filter(e -> "FailedMount".equals(e.get("Reason"))).findFirst()
            .orElse(null);
      } catch (Exception e) {
        return null;
      }
    }, "FailedMount or Running of " + id);
    if ("running".equals(seen)) {
      String shadow = exec(client, id, "app", "head -c 12 /host/etc/shadow 2>&1; ls /host" + dataDir + " 2>&1 | head -3");
      throw new AssertionError("SubPath followed the container's link to the host: the app read /etc/shadow and"
          + " the data dir: " + shadow);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> event = (Map<String, Object>) seen;
    assertThat(event.get("Type")).isEqualTo("Warning");
    assertThat((String) event.get("Message")).startsWith("MountVolume.SetUp failed:").contains("symbolic link");
    Map<String, Object> g = SdkEndToEndIT.describe(client, id).get(0);
    assertThat(g.get("Status")).isEqualTo("Pending");
    assertThat(PodConfigIT.state(g, "app").get("State")).isEqualTo("Waiting");
    assertThat(TestEngine.runtime().list(Map.of(dev.openeci.runtime.Labels.GROUP_ID, id,
        dev.openeci.runtime.Labels.ROLE, dev.openeci.runtime.Labels.ROLE_APP))).as("no app container was made").isEmpty();
  }

  @Test
  void subPathThroughALinkPlantedInAnEmptyDirIsRefused() throws Exception {
    String id = create(client, plantedRootLink("EmptyDirVolume", null));
    assertNoEscape(id);
  }

  @Test
  void subPathThroughALinkPlantedOnADiskIsRefused() throws Exception {
    String diskId = "d-esc" + SdkEndToEndIT.shortId();
    try {
      String id = create(client, plantedRootLink("DiskVolume", diskId));
      assertNoEscape(id);
    } finally {
      deleteGroups();
      TestEngine.runtime().removeVolumes(Map.of("openeci.disk-id", diskId));
    }
  }

  @Test
  void aSubPathThatIsARealDirectoryStillWorksAndSharesTheVolume() throws Exception {
    Map<String, Object> q = PodConfigIT.group("subok");
    q.put("Volume.1.Name", "data");
    q.put("Volume.1.Type", "EmptyDirVolume");
    PodConfigIT.container(q, 1, "app", SLEEP);
    PodConfigIT.mount(q, "Container.1.", 1, "data", "/data", null, false, null);
    PodConfigIT.mount(q, "Container.1.", 2, "data", "/part", "a/b", false, null);
    q.put("Volume.2.Name", "cfg");
    q.put("Volume.2.Type", "ConfigFileVolume");
    q.put("Volume.2.ConfigFileVolume.ConfigFileToPath.1.Path", "conf/app.conf");
    q.put("Volume.2.ConfigFileVolume.ConfigFileToPath.1.Content", PodConfigIT.b64("k=v\n"));
    q.put("Volume.2.ConfigFileVolume.ConfigFileToPath.1.Mode", 256); // 0400
    PodConfigIT.mount(q, "Container.1.", 3, "cfg", "/etc/app.conf", "conf/app.conf", false, null);
    q.put("Volume.3.Name", "mem");
    q.put("Volume.3.Type", "EmptyDirVolume");
    q.put("Volume.3.EmptyDirVolume.Medium", "Memory");
    PodConfigIT.mount(q, "Container.1.", 4, "mem", "/mem", null, false, null);
    PodConfigIT.mount(q, "Container.1.", 5, "mem", "/mempart", "p", false, null);
    q.put("Container.1.SecurityContext.RunAsUser", 1000);
    String id = create(client, q);
    SdkEndToEndIT.awaitStatus(client, id, "Running");
    // Non-root inside the container can write the EmptyDir and its (created) SubPath.
    assertThat(exec(client, id, "app", "echo hi > /part/f && cat /data/a/b/f && id -u")).isEqualTo("hi\n1000\n");
    // A SubPath of a Memory EmptyDir is on its tmpfs, shared with the whole volume.
    assertThat(exec(client, id, "app", "echo m > /mempart/f && cat /mem/p/f && df -k /mempart | tail -1 | awk '{print $1}'"))
        .isEqualTo("m\ntmpfs\n");
    // A single ConfigFile file mounted by SubPath: the file itself, mode as asked, read-only.
    assertThat(exec(client, id, "app", "stat -c %a /etc/app.conf; (echo x >> /etc/app.conf) 2>/dev/null || echo ro"))
        .isEqualTo("400\nro\n");
    // The server-owned parents are 0700 on the host: a host user cannot walk into a group's volumes.
    Path groupDir = dataDir.resolve("pods").resolve(id);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(groupDir))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(groupDir.resolve("volumes"))))
        .isEqualTo("rwx------");
    // Deleting the group unmounts and removes the SubPath mounts (nothing of it stays mounted).
    // (A pause first: Podman 4.3 has been seen to hang a stop that follows an exec within a second.)
    Thread.sleep(2000);
    EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
    SdkEndToEndIT.awaitNoContainers(id);
    SdkEndToEndIT.await(() -> Files.exists(groupDir) ? null : true, "removal of " + groupDir);
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(groupDir.toString());
  }

  /** The SubPath mounts live in the host's mount table: a kill -9 and restart loses none of them for good. */
  @Test
  void subPathMountsAreFoundAndRemovedAfterTheServerIsKilled() throws Exception {
    Map<String, Object> q = PodConfigIT.group("restart");
    q.put("Volume.1.Name", "data");
    q.put("Volume.1.Type", "EmptyDirVolume");
    PodConfigIT.container(q, 1, "app", SLEEP);
    PodConfigIT.mount(q, "Container.1.", 1, "data", "/part", "x/y", false, null);
    String id = create(client, q);
    SdkEndToEndIT.awaitStatus(client, id, "Running");
    Path groupDir = dataDir.resolve("pods").resolve(id);
    assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
        .contains(groupDir.resolve("volume-subpaths/data/app-app/0").toString());
    server.kill9();
    server.start();
    SdkEndToEndIT.await(() -> { // the first calls may meet the old server's dead connections
      try {
        EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
        return true;
      } catch (Exception e) {
        return null;
      }
    }, "DeleteContainerGroup after the restart");
    SdkEndToEndIT.awaitNoContainers(id);
    SdkEndToEndIT.await(() -> Files.exists(groupDir) ? null : true, "removal of " + groupDir);
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(groupDir.toString());
  }

  /** A container removed from the spec by an update leaves no SubPath mount behind. */
  @Test
  void aContainerRemovedByAnUpdateReleasesItsSubPathMounts() throws Exception {
    Map<String, Object> q = PodConfigIT.group("release");
    q.put("Volume.1.Name", "data");
    q.put("Volume.1.Type", "EmptyDirVolume");
    PodConfigIT.container(q, 1, "keep", SLEEP);
    PodConfigIT.container(q, 2, "gone", SLEEP);
    PodConfigIT.mount(q, "Container.2.", 1, "data", "/part", "x", false, null);
    String id = create(client, q);
    SdkEndToEndIT.awaitStatus(client, id, "Running");
    Path mount = dataDir.resolve("pods").resolve(id).resolve("volume-subpaths/data/app-gone/0");
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).contains(mount.toString());
    Map<String, Object> u = new LinkedHashMap<>();
    u.put("RegionId", "cn-hangzhou");
    u.put("ContainerGroupId", id);
    PodConfigIT.container(u, 1, "keep", SLEEP);
    EciClients.call(client, "UpdateContainerGroup", u);
    SdkEndToEndIT.await(() -> {
      try {
        return Files.readString(Path.of("/proc/self/mountinfo")).contains(mount.toString()) ? null : true;
      } catch (java.io.IOException e) {
        return null;
      }
    }, "the removed container's SubPath mount to go");
    assertThat(mount).doesNotExist();
  }

  @Test
  void updatingAnEmptyDirIntoConfigFilesDoesNotWriteThroughPlantedLinks() throws Exception {
    Path victim = victimDir.resolve("victim.txt");
    Files.writeString(victim, "original\n");
    Path victimSub = Files.createDirectories(victimDir.resolve("sub"));
    Map<String, Object> q = PodConfigIT.group("plant");
    q.put("Volume.1.Name", "vol");
    q.put("Volume.1.Type", "EmptyDirVolume");
    // While /v is the writable EmptyDir, the app plants links to host paths at every name the server
    // might write (the file, its temporary name, its directory); once /v is the read-only
    // ConfigFile volume, it prints what it sees. (No exec: the log tells, and no stop follows an exec.)
    PodConfigIT.container(q, 1, "app", "if touch /v/.w 2>/dev/null; then ln -s " + victim + " /v/a.conf; ln -s "
        + victim + " /v/.a.conf.tmp; ln -s " + victimSub + " /v/sub; echo planted; else cat /v/a.conf"
        + " /v/sub/evil.conf; stat -c %a /v/a.conf; fi; " + SLEEP);
    PodConfigIT.mount(q, "Container.1.", 1, "vol", "/v", null, false, null);
    String id = create(client, q);
    SdkEndToEndIT.await(() -> PodConfigIT.logOf(id, "app").contains("planted") ? true : null, "the planted links");

    Map<String, Object> u = new LinkedHashMap<>();
    u.put("RegionId", "cn-hangzhou");
    u.put("ContainerGroupId", id);
    u.put("Volume.1.Name", "vol");
    u.put("Volume.1.Type", "ConfigFileVolume");
    u.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "a.conf");
    u.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Content", PodConfigIT.b64("pwned=1\n"));
    u.put("Volume.1.ConfigFileVolume.ConfigFileToPath.2.Path", "sub/evil.conf");
    u.put("Volume.1.ConfigFileVolume.ConfigFileToPath.2.Content", PodConfigIT.b64("pwned=2\n"));
    EciClients.call(client, "UpdateContainerGroup", u);
    SdkEndToEndIT.awaitGroup(client, id, g -> "2".equals(String.valueOf(g.get("SpecVersion")))
        && "Running".equals(g.get("Status")), "the update to run", server::logText);
    assertThat(victim).as("the host file a link pointed to").hasContent("original");
    assertThat(victimSub.resolve("evil.conf")).as("a host file created through a planted directory link")
        .doesNotExist();
    String seen = SdkEndToEndIT.await(() -> {
      String log = PodConfigIT.logOf(id, "app");
      return log.contains("pwned=2") ? log : null;
    }, "the new config files in the container");
    assertThat(seen).isEqualTo("pwned=1\npwned=2\n644\n");
  }

  @Test
  void anotherAccountsDiskWithTheSameDiskIdIsADifferentDisk() throws Exception {
    String diskId = "d-x" + SdkEndToEndIT.shortId();
    Map<String, String> keyB = createAccessKey("acct-b-" + SdkEndToEndIT.shortId());
    com.aliyun.teaopenapi.Client b = EciClients.tea(server.endpoint(), keyB.get("OPENECI_ACCESS_KEY_ID"),
        keyB.get("OPENECI_ACCESS_KEY_SECRET"), false);
    try {
      Map<String, Object> qa = PodConfigIT.group("diska");
      qa.put("Volume.1.Name", "disk");
      qa.put("Volume.1.Type", "DiskVolume");
      qa.put("Volume.1.DiskVolume.DiskId", diskId);
      PodConfigIT.container(qa, 1, "app", "echo account-A-secret > /disk/f; " + SLEEP);
      PodConfigIT.mount(qa, "Container.1.", 1, "disk", "/disk", null, false, null);
      String a = create(client, qa);
      SdkEndToEndIT.awaitStatus(client, a, "Running");
      SdkEndToEndIT.await(() -> {
        try {
          return exec(client, a, "app", "cat /disk/f").contains("account-A-secret") ? true : null;
        } catch (Exception e) {
          return null;
        }
      }, "account A's write");

      Map<String, Object> qb = new LinkedHashMap<>(qa);
      qb.put("ContainerGroupName", "diskb-" + SdkEndToEndIT.shortId());
      PodConfigIT.container(qb, 1, "app", "echo account-B-was-here > /disk/g; " + SLEEP);
      String bid = create(b, qb);
      SdkEndToEndIT.awaitStatus(b, bid, "Running");
      SdkEndToEndIT.await(() -> {
        try {
          return exec(b, bid, "app", "cat /disk/g").contains("account-B") ? true : null;
        } catch (Exception e) {
          return null;
        }
      }, "account B's write");
      assertThat(exec(b, bid, "app", "ls /disk")).as("account B's view of DiskId " + diskId).isEqualTo("g\n");
      assertThat(exec(client, a, "app", "ls /disk")).as("account A's view of DiskId " + diskId).isEqualTo("f\n");
      // The same account's next group sees its own disk again (a disk outlives its group).
      deleteGroups();
      String a2 = create(client, qa);
      SdkEndToEndIT.awaitStatus(client, a2, "Running");
      assertThat(exec(client, a2, "app", "ls /disk")).isEqualTo("f\n");
    } finally {
      deleteGroups();
      TestEngine.runtime().removeVolumes(Map.of("openeci.disk-id", diskId));
    }
  }

  /** An engine volume that happens to have the disk's name but not its labels (made by someone else) is not used. */
  @Test
  void aForeignVolumeWithTheDisksNameIsNotMounted() throws Exception {
    String diskId = "d-f" + SdkEndToEndIT.shortId();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("openeci\\.owner=([a-z0-9]+)").matcher(server.logText());
    assertThat(m.find()).as("the server logs its owner id").isTrue();
    String name = dev.openeci.reconcile.PodConfigs.diskVolumeName(m.group(1), "admin", "cn-hangzhou", diskId);
    TestEngine.runtime().ensureVolume(name, Map.of(), Map.of("openeci.disk-id", diskId, "planted-by", "someone-else"));
    try {
      Map<String, Object> q = PodConfigIT.group("foreign");
      q.put("Volume.1.Name", "disk");
      q.put("Volume.1.Type", "DiskVolume");
      q.put("Volume.1.DiskVolume.DiskId", diskId);
      PodConfigIT.container(q, 1, "app", SLEEP);
      PodConfigIT.mount(q, "Container.1.", 1, "disk", "/disk", null, false, null);
      String id = create(client, q);
      Object seen = SdkEndToEndIT.await(() -> {
        try {
          if ("Running".equals(SdkEndToEndIT.describe(client, id).get(0).get("Status"))) return "Running";
          return PodConfigIT.events(id).stream().filter(e -> "FailedMount".equals(e.get("Reason"))).findFirst()
              .map(e -> (Object) e.get("Message")).orElse(null);
        } catch (Exception e) {
          return null;
        }
      }, "FailedMount or Running of " + id);
      assertThat(seen).as("the group mounted a volume it does not own").isNotEqualTo("Running");
      assertThat((String) seen).contains("does not belong");
    } finally {
      deleteGroups();
      TestEngine.runtime().removeVolumes(Map.of("openeci.disk-id", diskId));
    }
  }

  @Test
  void badDiskIdsAndConfigFilePathsAreRefusedAtCreate() throws Exception {
    for (String diskId : List.of("../../x", "d-1/../../etc", "d-a b", "x".repeat(300), "d-1\u0000")) {
      Map<String, Object> q = PodConfigIT.group("baddisk");
      q.put("Volume.1.Name", "disk");
      q.put("Volume.1.Type", "DiskVolume");
      q.put("Volume.1.DiskVolume.DiskId", diskId);
      PodConfigIT.container(q, 1, "app", SLEEP);
      assertRefused(q, "Volume.1.DiskVolume.DiskId", diskId);
    }
    for (String path : List.of(".", "./", "a/./b", "a//b", "a/", "a/../b", "..", "/etc/passwd", "a\u0000b",
        "x".repeat(256), ("d/".repeat(600)) + "f")) {
      Map<String, Object> q = PodConfigIT.group("badcfg");
      q.put("Volume.1.Name", "cfg");
      q.put("Volume.1.Type", "ConfigFileVolume");
      q.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", path);
      q.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Content", PodConfigIT.b64("x"));
      PodConfigIT.container(q, 1, "app", SLEEP);
      assertRefused(q, "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", path);
    }
    // A file that would have to be a directory for another one.
    Map<String, Object> q = PodConfigIT.group("badcfg");
    q.put("Volume.1.Name", "cfg");
    q.put("Volume.1.Type", "ConfigFileVolume");
    q.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "a");
    q.put("Volume.1.ConfigFileVolume.ConfigFileToPath.2.Path", "a/b");
    PodConfigIT.container(q, 1, "app", SLEEP);
    assertRefused(q, "Volume.1.ConfigFileVolume.ConfigFileToPath.2.Path", "a/b");
  }

  private void assertRefused(Map<String, Object> q, String param, String value) {
    assertThatThrownBy(() -> create(client, q)).as(param + " = \"" + value.replace("\0", "\\0") + "\"")
        .isInstanceOfSatisfying(TeaException.class, e -> {
          assertThat(e.getCode()).isEqualTo("InvalidParameter");
          assertThat(e.getStatusCode()).isEqualTo(400);
          assertThat(e.getMessage()).contains(param);
        });
  }

  @Test
  void aMemoryEmptyDirIsBoundedByTheGroupsMemory() throws Exception {
    Map<String, Object> q = PodConfigIT.group("mem");
    q.put("Memory", 0.5);
    q.put("Cpu", 0.25);
    q.put("Volume.1.Name", "big");
    q.put("Volume.1.Type", "EmptyDirVolume");
    q.put("Volume.1.EmptyDirVolume.Medium", "Memory");
    q.put("Volume.1.EmptyDirVolume.SizeLimit", "64Gi");
    q.put("Volume.2.Name", "dflt");
    q.put("Volume.2.Type", "EmptyDirVolume");
    q.put("Volume.2.EmptyDirVolume.Medium", "Memory");
    PodConfigIT.container(q, 1, "app", SLEEP);
    PodConfigIT.mount(q, "Container.1.", 1, "big", "/big", null, false, null);
    PodConfigIT.mount(q, "Container.1.", 2, "dflt", "/dflt", null, false, null);
    String id = create(client, q);
    SdkEndToEndIT.awaitStatus(client, id, "Running");
    assertThat(exec(client, id, "app", "df -k /big | tail -1 | awk '{print $2}'; df -k /dflt | tail -1 | awk '{print $2}'"))
        .as("tmpfs sizes in KiB: SizeLimit 64Gi capped at the group's 0.5 GiB; no SizeLimit = the group's memory")
        .isEqualTo("524288\n524288\n");
  }

  private static Map<String, String> createAccessKey(String account) throws Exception {
    return createAccessKey(dataDir, account);
  }

  /** A second account's AccessKey, made with {@code openeci accesskey create} on the server's data dir. */
  static Map<String, String> createAccessKey(Path dataDir, String account) throws Exception {
    Path jar = Path.of("target/openeci.jar").toAbsolutePath();
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        jar.toString(), "accesskey", "create", "--account", account, "--data-dir", dataDir.toString())
        .redirectErrorStream(false).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).isZero();
    Map<String, String> kv = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) kv.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
    }
    return kv;
  }
}
