package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aliyun.tea.TeaException;
import dev.openeci.testing.TestEngine;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UpdateContainerGroup through the official client on the real engine: effects read from inside
 * the containers, RestartCount/StartTime asserted where nothing may restart (docs/update.md).
 */
class UpdateIT {
  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;
  static String image;

  @BeforeAll
  static void start() throws Exception {
    image = TestEngine.busyboxImage();
    server = new ServerProcess(dataDir, TestEngine.endpoint()).withArgs("--allow-host-path", "/tmp").start();
    client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
  }

  static final String APP = "trap 'echo prestop-or-term; exit 0' TERM; echo version=$VERSION; sleep 3600 & wait";

  /** A running group: init "prepare", app "app" (echoes $VERSION, preStop hook), sidecar "side". */
  String runningGroup(String name) throws Exception {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupName", name + "-" + SdkEndToEndIT.shortId());
    q.put("TerminationGracePeriodSeconds", 5);
    q.put("Tag.1.Key", "team");
    q.put("Tag.1.Value", "a");
    put(q, "InitContainer.1.", "prepare", "echo init-ran-$RUN > /proc/1/fd/1");
    q.put("InitContainer.1.EnvironmentVar.1.Key", "RUN");
    q.put("InitContainer.1.EnvironmentVar.1.Value", "1");
    put(q, "Container.1.", "app", APP);
    q.put("Container.1.EnvironmentVar.1.Key", "VERSION");
    q.put("Container.1.EnvironmentVar.1.Value", "v1");
    q.put("Container.1.LifecyclePreStopHandlerExec.1", "/bin/sh");
    q.put("Container.1.LifecyclePreStopHandlerExec.2", "-c");
    q.put("Container.1.LifecyclePreStopHandlerExec.3", "echo prestop ran > /proc/1/fd/1");
    put(q, "Container.2.", "side", "trap 'exit 0' TERM; sleep 3600 & wait");
    String id = (String) EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");
    await(id, g -> "Running".equals(g.get("Status")) && running(g, "app") && running(g, "side"), "Running");
    return id;
  }

  static void put(Map<String, Object> q, String prefix, String name, String script) {
    q.put(prefix + "Name", name);
    q.put(prefix + "Image", image);
    q.put(prefix + "Command.1", "/bin/sh");
    q.put(prefix + "Arg.1", "-c");
    q.put(prefix + "Arg.2", script);
  }

  @Test
  void incrementalChangeOfOneContainerRestartsOnlyIt() throws Exception {
    String id = runningGroup("upd-one");
    Map<String, Object> before = describe(id);
    Map<String, Object> sideBefore = CrashLoopClockIT.container(before, "side");
    Map<String, Object> appBefore = CrashLoopClockIT.container(before, "app");
    assertThat(exec(id, "app", "echo $VERSION")).isEqualTo("v1\n");

    update(id, "IncrementalUpdate", Map.of("Container.1.Name", "app",
        "Container.1.EnvironmentVar.1.Key", "VERSION", "Container.1.EnvironmentVar.1.Value", "v2"));
    assertThat(describe(id).get("Status")).as("visible at once").isEqualTo("Updating");
    Map<String, Object> g = await(id, x -> "Running".equals(x.get("Status")) && running(x, "app")
        && ((Number) CrashLoopClockIT.container(x, "app").get("RestartCount")).intValue() == 1, "updated");

    assertThat(g.get("SpecVersion")).isEqualTo("2");
    assertThat(exec(id, "app", "echo $VERSION")).isEqualTo("v2\n");
    Map<String, Object> side = CrashLoopClockIT.container(g, "side");
    assertThat(side.get("RestartCount")).as("the sidecar did not restart").isEqualTo(0L);
    assertThat(CrashLoopClockIT.state(side, "CurrentState").get("StartTime"))
        .isEqualTo(CrashLoopClockIT.state(sideBefore, "CurrentState").get("StartTime"));
    assertThat(CrashLoopClockIT.state(CrashLoopClockIT.container(g, "app"), "CurrentState").get("StartTime"))
        .isNotEqualTo(CrashLoopClockIT.state(appBefore, "CurrentState").get("StartTime"));
    assertThat(LifecycleIT.first(g, "InitContainers").get("RestartCount")).as("init not run again").isEqualTo(0L);
    assertThat(LifecycleIT.reasons(g)).contains("Updating", "Killing", "Updated");
    // The other fields of the container were kept (IncrementalUpdate): the preStop hook ran on the old instance.
    String previousLog = (String) EciClients.call(client, "DescribeContainerLog", Map.of("RegionId", "cn-hangzhou",
        "ContainerGroupId", id, "ContainerName", "app", "LastTime", "true")).get("Content");
    assertThat(previousLog).contains("version=v1", "prestop ran");
    String log = (String) EciClients.call(client, "DescribeContainerLog", Map.of("RegionId", "cn-hangzhou",
        "ContainerGroupId", id, "ContainerName", "app")).get("Content");
    assertThat(log).contains("version=v2");
    delete(id);
  }

  @Test
  void tagsChangeWithoutRestartsAndRepeatsAreNoNeedUpdateOrIdempotent() throws Exception {
    String id = runningGroup("upd-tags");
    Map<String, Object> before = describe(id);
    Map<String, String> tags = Map.of("Tag.1.Key", "team", "Tag.1.Value", "b");
    update(id, "IncrementalUpdate", with(tags, "ClientToken", "tok-" + id));
    Map<String, Object> g = await(id, x -> "Running".equals(x.get("Status")), "Running after the tag update");
    assertThat(g.get("Tags")).isEqualTo(List.of(Map.of("Key", "team", "Value", "b")));
    assertThat(g.get("SpecVersion")).isEqualTo("2");
    for (String c : List.of("app", "side")) {
      assertThat(CrashLoopClockIT.container(g, c).get("RestartCount")).isEqualTo(0L);
      assertThat(CrashLoopClockIT.state(CrashLoopClockIT.container(g, c), "CurrentState").get("StartTime"))
          .isEqualTo(CrashLoopClockIT.state(CrashLoopClockIT.container(before, c), "CurrentState").get("StartTime"));
    }
    // A retry with the same ClientToken succeeds and changes nothing; without it, the same change is NoNeedUpdate.
    update(id, "IncrementalUpdate", with(tags, "ClientToken", "tok-" + id));
    assertThat(describe(id).get("SpecVersion")).isEqualTo("2");
    assertThatThrownBy(() -> update(id, "IncrementalUpdate", tags)).isInstanceOfSatisfying(TeaException.class,
        e -> {
          assertThat(e.getCode()).isEqualTo("NoNeedUpdate");
          assertThat(e.getStatusCode()).isEqualTo(400);
        });
    assertThatThrownBy(() -> update(id, "IncrementalUpdate", with(Map.of("Tag.1.Key", "team", "Tag.1.Value", "c"),
        "ClientToken", "tok-" + id))).isInstanceOfSatisfying(TeaException.class,
            e -> assertThat(e.getCode()).isEqualTo("IdempotentParameterMismatch"));

    // Registry credentials (added, even) restart nothing either: they are read only by the next pull.
    update(id, "RenewUpdate", Map.of("ImageRegistryCredential.1.Server", "registry.example.test",
        "ImageRegistryCredential.1.UserName", "robot", "ImageRegistryCredential.1.Password", "cred-s3cret"));
    g = await(id, x -> "Running".equals(x.get("Status")) && "3".equals(x.get("SpecVersion")),
        "Running after the credential update");
    for (String c : List.of("app", "side")) {
      assertThat(CrashLoopClockIT.container(g, c).get("RestartCount")).isEqualTo(0L);
      assertThat(CrashLoopClockIT.state(CrashLoopClockIT.container(g, c), "CurrentState").get("StartTime"))
          .isEqualTo(CrashLoopClockIT.state(CrashLoopClockIT.container(before, c), "CurrentState").get("StartTime"));
    }
    assertThat(g.toString()).doesNotContain("cred-s3cret");
    assertThat(server.logText()).doesNotContain("cred-s3cret");
    delete(id);
  }

  @Test
  void initChangesRestartTheGroupAndVolumeChangesRecreateTheSandbox() throws Exception {
    String id = runningGroup("upd-init");
    update(id, "IncrementalUpdate", Map.of("InitContainer.1.Name", "prepare",
        "InitContainer.1.EnvironmentVar.1.Key", "RUN", "InitContainer.1.EnvironmentVar.1.Value", "2"));
    Map<String, Object> g = await(id, x -> "Running".equals(x.get("Status")) && "2".equals(x.get("SpecVersion"))
        && running(x, "app") && running(x, "side"), "group restarted after the init change");
    String initLog = (String) EciClients.call(client, "DescribeContainerLog", Map.of("RegionId", "cn-hangzhou",
        "ContainerGroupId", id, "ContainerName", "prepare")).get("Content");
    assertThat(initLog).contains("init-ran-2");
    assertThat(LifecycleIT.reasons(g)).contains("Restarting");
    String sandbox = sandboxId(id);

    // RenewUpdate of the volumes: a new EmptyDir, mounted by a container -> a new sandbox.
    update(id, "IncrementalUpdate", Map.of("Volume.1.Name", "shared", "Volume.1.Type", "EmptyDirVolume",
        "Container.1.Name", "side", "Container.1.VolumeMount.1.Name", "shared",
        "Container.1.VolumeMount.1.MountPath", "/shared"));
    g = await(id, x -> "Running".equals(x.get("Status")) && "3".equals(x.get("SpecVersion"))
        && running(x, "app") && running(x, "side"), "sandbox recreated after the volume change");
    assertThat(LifecycleIT.reasons(g)).contains("SandboxChanged");
    assertThat(sandboxId(id)).as("a new sandbox").isNotEqualTo(sandbox);
    assertThat(exec(id, "side", "test -d /shared && echo mounted")).isEqualTo("mounted\n");
    delete(id);
  }

  @Test
  void anUpdateThatCannotRunIsReportedAndAFurtherUpdateFixesIt() throws Exception {
    String id = runningGroup("upd-bad");
    update(id, "IncrementalUpdate", Map.of("Container.1.Name", "side", "Container.1.Image", "127.0.0.1:1/none:1"));
    Map<String, Object> g = await(id, x -> {
      Object reason = CrashLoopClockIT.state(CrashLoopClockIT.container(x, "side"), "CurrentState").get("Reason");
      return !"Updating".equals(x.get("Status")) && ("ErrImagePull".equals(reason) || "ImagePullBackOff".equals(reason));
    }, "the failing pull reported");
    assertThat(CrashLoopClockIT.container(g, "side").get("Image")).as("Describe shows the new spec")
        .isEqualTo("127.0.0.1:1/none:1");
    assertThat(running(g, "app")).as("the unchanged container keeps running").isTrue();
    assertThat(CrashLoopClockIT.container(g, "app").get("RestartCount")).isEqualTo(0L);
    assertThat(LifecycleIT.reasons(g)).contains("Failed");

    update(id, "IncrementalUpdate", Map.of("Container.1.Name", "side", "Container.1.Image", image));
    g = await(id, x -> "Running".equals(x.get("Status")) && running(x, "side") && "3".equals(x.get("SpecVersion")),
        "fixed by a further update");
    assertThat(CrashLoopClockIT.container(g, "side").get("Image")).isEqualTo(image);
    delete(id);
  }

  @Test
  void onlyPendingOrRunningGroupsCanBeUpdated() throws Exception {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupName", "upd-done-" + SdkEndToEndIT.shortId());
    q.put("RestartPolicy", "Never");
    put(q, "Container.1.", "job", "exit 0");
    String id = (String) EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");
    await(id, x -> "Succeeded".equals(x.get("Status")), "Succeeded");
    assertThatThrownBy(() -> update(id, "RenewUpdate", Map.of("RestartPolicy", "Always")))
        .isInstanceOfSatisfying(TeaException.class, e -> {
          assertThat(e.getCode()).isEqualTo("IncorrectStatus");
          assertThat(e.getStatusCode()).isEqualTo(400);
          assertThat(e.getMessage()).contains("Succeeded");
        });
    assertThatThrownBy(() -> update("eci-doesnotexist0000000", "RenewUpdate", Map.of("RestartPolicy", "Always")))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getStatusCode()).isEqualTo(404));
    assertThatThrownBy(() -> update(id, "Sometimes", Map.of("RestartPolicy", "Always")))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("InvalidParameter"));
    delete(id);
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyUpdatePathIsAcceptedAndReadsBack() throws Exception {
    String id = runningGroup("upd-full");
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupId", id);
    q.put("UpdateType", "RenewUpdate");
    q.put("ClientToken", "full-" + id);
    q.put("RestartPolicy", "OnFailure");
    q.put("Cpu", 2);
    q.put("Memory", 4);
    q.put("ResourceGroupId", "rg-updated");
    q.put("Tag.1.Key", "suite");
    q.put("Tag.1.Value", "update");
    q.put("Volume.1.Name", "scratch");
    q.put("Volume.1.Type", "EmptyDirVolume");
    q.put("Volume.1.EmptyDirVolume.Medium", "Memory");
    q.put("Volume.1.EmptyDirVolume.SizeLimit", "64Mi");
    q.put("Volume.2.Name", "nfs");
    q.put("Volume.2.Type", "NFSVolume");
    q.put("Volume.2.NFSVolume.Server", "nfs.example.test");
    q.put("Volume.2.NFSVolume.Path", "/export");
    q.put("Volume.2.NFSVolume.ReadOnly", true);
    q.put("Volume.3.Name", "cfg");
    q.put("Volume.3.Type", "ConfigFileVolume");
    q.put("Volume.3.ConfigFileVolume.ConfigFileToPath.1.Path", "app.conf");
    q.put("Volume.3.ConfigFileVolume.ConfigFileToPath.1.Content", "Z3JlZXRpbmc9aGVsbG8K");
    q.put("Volume.4.Name", "flex");
    q.put("Volume.4.Type", "FlexVolume");
    q.put("Volume.4.FlexVolume.Driver", "alicloud/disk");
    q.put("Volume.4.FlexVolume.FsType", "ext4");
    q.put("Volume.4.FlexVolume.Options", "{\"volumeId\":\"d-1\"}");
    q.put("Volume.5.Name", "host");
    q.put("Volume.5.Type", "HostPathVolume");
    q.put("Volume.5.HostPathVolume.Path", "/tmp");
    q.put("Volume.5.HostPathVolume.Type", "Directory");
    q.put("DnsConfig.NameServer.1", "10.0.0.53");
    q.put("DnsConfig.Search.1", "openeci.local");
    q.put("DnsConfig.Option.1.Name", "ndots");
    q.put("DnsConfig.Option.1.Value", "2");
    String[] names = {"exec", "http", "tcp"};
    for (int i = 0; i < 3; i++) {
      String p = "Container." + (i + 1) + ".";
      FullSurfaceIT.container(p, q, names[i], image);
      q.put(p + "Tty", false);
      q.put(p + "Stdin", false);
      q.put(p + "StdinOnce", false);
    }
    for (String probe : List.of("LivenessProbe", "ReadinessProbe")) {
      q.put("Container.1." + probe + ".Exec.Command.1", "true");
      q.put("Container.1." + probe + ".InitialDelaySeconds", 1);
      q.put("Container.1." + probe + ".PeriodSeconds", 5);
      q.put("Container.1." + probe + ".TimeoutSeconds", 2);
      q.put("Container.1." + probe + ".SuccessThreshold", 1);
      q.put("Container.1." + probe + ".FailureThreshold", 3);
      q.put("Container.2." + probe + ".HttpGet.Path", "/healthz");
      q.put("Container.2." + probe + ".HttpGet.Port", 8080);
      q.put("Container.2." + probe + ".HttpGet.Scheme", "HTTP");
      q.put("Container.3." + probe + ".TcpSocket.Port", 8080);
    }
    q.put("Container.1.LifecyclePostStartHandlerExec.1", "true");
    q.put("Container.1.LifecyclePreStopHandlerExec.1", "true");
    for (String h : List.of("LifecyclePostStartHandler", "LifecyclePreStopHandler")) {
      q.put("Container.2." + h + "HttpGetHost", "127.0.0.1");
      q.put("Container.2." + h + "HttpGetPort", 8080);
      q.put("Container.2." + h + "HttpGetPath", "/hook");
      q.put("Container.2." + h + "HttpGetScheme", "HTTP");
      q.put("Container.3." + h + "TcpSocketHost", "127.0.0.1");
      q.put("Container.3." + h + "TcpSocketPort", 8080);
    }
    // The update document spells PostStart's headers "HttpHeaders" and PreStop's "HttpHeader".
    q.put("Container.2.LifecyclePostStartHandlerHttpGetHttpHeaders.1.Name", "X-Hook");
    q.put("Container.2.LifecyclePostStartHandlerHttpGetHttpHeaders.1.Value", "post");
    q.put("Container.2.LifecyclePreStopHandlerHttpGetHttpHeader.1.Name", "X-Hook");
    q.put("Container.2.LifecyclePreStopHandlerHttpGetHttpHeader.1.Value", "pre");
    FullSurfaceIT.container("InitContainer.1.", q, "init", image);
    q.put("InitContainer.1.Arg.2", "echo init v2");
    q.put("InitContainer.1.Tty", false);
    q.put("InitContainer.1.Stdin", false);
    q.put("InitContainer.1.StdinOnce", false);
    q.put("ImageRegistryCredential.1.Server", "registry.example.test");
    q.put("ImageRegistryCredential.1.UserName", "robot");
    q.put("ImageRegistryCredential.1.Password", "upd-s3cret-never-echoed");
    q.put("AcrRegistryInfo.1.Domain.1", "acr.example.test");
    q.put("AcrRegistryInfo.1.InstanceName", "acr");
    q.put("AcrRegistryInfo.1.InstanceId", "cri-1");
    q.put("AcrRegistryInfo.1.RegionId", "cn-hangzhou");

    java.util.Set<String> sent = new java.util.HashSet<>();
    for (String k : q.keySet()) sent.add(k.replaceAll("\\.\\d+(?=\\.|$)", ".N"));
    assertThat(sent).as("the request covers the update catalogue").containsAll(catalogue());

    EciClients.call(client, "UpdateContainerGroup", q);
    Map<String, Object> g = describe(id);
    assertThat(g).containsEntry("SpecVersion", "2").containsEntry("RestartPolicy", "OnFailure")
        .containsEntry("ResourceGroupId", "rg-updated");
    assertThat(g.get("Tags")).isEqualTo(List.of(Map.of("Key", "suite", "Value", "update")));
    assertThat((List<Map<String, Object>>) g.get("Volumes")).extracting(v -> v.get("Type"))
        .containsExactly("EmptyDirVolume", "NFSVolume", "ConfigFileVolume", "FlexVolume", "HostPathVolume");
    assertThat(g.get("DnsConfig")).isEqualTo(Map.of("NameServers", List.of("10.0.0.53"), "Searches",
        List.of("openeci.local"), "Options", List.of(Map.of("Name", "ndots", "Value", "2"))));
    List<Map<String, Object>> cs = (List<Map<String, Object>>) g.get("Containers");
    assertThat(cs).extracting(c -> c.get("Name")).containsExactly("exec", "http", "tcp");
    assertThat(((Map<String, Object>) cs.get(1).get("LivenessProbe")).get("HttpGet"))
        .isEqualTo(Map.of("Path", "/healthz", "Port", 8080L, "Scheme", "HTTP"));
    assertThat(((Map<String, Object>) cs.get(2).get("ReadinessProbe")).get("TcpSocket")).isEqualTo(Map.of("Port", 8080L));
    assertThat(cs.get(0).get("EnvironmentVars")).isEqualTo(List.of(Map.of("Key", "GREETING", "Value", "hello é"),
        Map.of("Key", "POD_IP", "ValueFrom", Map.of("FieldRef", Map.of("FieldPath", "status.podIP")))));
    assertThat((List<Map<String, Object>>) g.get("InitContainers")).singleElement()
        .satisfies(i -> assertThat(i.get("Args")).isEqualTo(List.of("-c", "echo init v2")));
    assertThat(g.toString()).doesNotContain("upd-s3cret-never-echoed");
    // The retry of the same request (same ClientToken) is accepted and makes no new version.
    EciClients.call(client, "UpdateContainerGroup", q);
    assertThat(describe(id).get("SpecVersion")).isEqualTo("2");
    delete(id);
  }

  static java.util.Set<String> catalogue() throws Exception {
    java.util.Set<String> out = new java.util.HashSet<>();
    try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(
        UpdateIT.class.getResourceAsStream("/UpdateContainerGroup.params.tsv"), java.nio.charset.StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.startsWith("#") && !line.isBlank()) out.add(line.split("\t")[0]);
      }
    }
    return out;
  }

  // --- helpers --------------------------------------------------------------------------------------

  static Map<String, String> with(Map<String, String> m, String k, String v) {
    Map<String, String> out = new LinkedHashMap<>(m);
    out.put(k, v);
    return out;
  }

  void update(String id, String type, Map<String, String> params) throws Exception {
    Map<String, Object> q = new LinkedHashMap<>(params);
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupId", id);
    q.put("UpdateType", type);
    EciClients.call(client, "UpdateContainerGroup", q);
  }

  String exec(String id, String container, String script) throws Exception {
    Map<String, Object> r = EciClients.call(client, "ExecContainerCommand", Map.of("RegionId", "cn-hangzhou",
        "ContainerGroupId", id, "ContainerName", container, "Command", "[\"/bin/sh\",\"-c\",\"" + script + "\"]",
        "Sync", "true"));
    return (String) r.get("SyncResponse");
  }

  static String sandboxId(String groupId) {
    return TestEngine.runtime().list(Map.of(dev.openeci.runtime.Labels.GROUP_ID, groupId,
        dev.openeci.runtime.Labels.ROLE, dev.openeci.runtime.Labels.ROLE_SANDBOX)).get(0).id();
  }

  static boolean running(Map<String, Object> g, String name) {
    Map<String, Object> c = CrashLoopClockIT.container(g, name);
    return c != null && "Running".equals(CrashLoopClockIT.state(c, "CurrentState").get("State"));
  }

  Map<String, Object> describe(String id) throws Exception {
    return SdkEndToEndIT.describe(client, id).get(0);
  }

  Map<String, Object> await(String id, Predicate<Map<String, Object>> condition, String what) {
    return SdkEndToEndIT.awaitGroup(client, id, condition, what, () -> "server log:\n" + server.logText());
  }

  void delete(String id) throws Exception {
    EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
  }
}
