package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aliyun.tea.TeaException;
import dev.openeci.testing.TestEngine;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole CreateContainerGroup surface through the official Tea client (exactly the generated
 * ECI client's wire), read back through DescribeContainerGroups; and the day-2 actions around it.
 */
class FullSurfaceIT {
  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;
  static String image;
  static String imageCacheId;

  @BeforeAll
  static void start() throws Exception {
    image = TestEngine.busyboxImage();
    // HostPathVolume /tmp below: allowed by the operator (docs/pod-config.md).
    server = new ServerProcess(dataDir, TestEngine.endpoint()).withArgs("--allow-host-path", "/tmp").start();
    client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
    // ImageSnapshotId must name a Ready image cache: one of the local test image.
    imageCacheId = (String) EciClients.call(client, "CreateImageCache", Map.of("RegionId", "cn-hangzhou",
        "ImageCacheName", "full-surface", "Image.1", image)).get("ImageCacheId");
    SdkEndToEndIT.await(() -> {
      try {
        List<Map<String, Object>> c = SdkEndToEndIT.asList(EciClients.call(client, "DescribeImageCaches",
            Map.of("RegionId", "cn-hangzhou", "ImageCacheId", imageCacheId)).get("ImageCaches"));
        return c.size() == 1 && "Ready".equals(c.get(0).get("Status")) ? Boolean.TRUE : null;
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }, "image cache " + imageCacheId + " Ready");
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
  }

  static Map<String, Object> container(String prefix, Map<String, Object> q, String name) {
    return container(prefix, q, name, image);
  }

  static Map<String, Object> container(String prefix, Map<String, Object> q, String name, String image) {
    q.put(prefix + "Name", name);
    q.put(prefix + "Image", image);
    q.put(prefix + "Command.1", "/bin/sh");
    q.put(prefix + "Arg.1", "-c");
    q.put(prefix + "Arg.2", "trap 'exit 0' TERM; sleep 3600 & wait");
    q.put(prefix + "WorkingDir", "/tmp");
    q.put(prefix + "Cpu", 0.25);
    q.put(prefix + "Memory", 0.5);
    q.put(prefix + "Gpu", 0);
    q.put(prefix + "ImagePullPolicy", "IfNotPresent");
    q.put(prefix + "EnvironmentVar.1.Key", "GREETING");
    q.put(prefix + "EnvironmentVar.1.Value", "hello é");
    q.put(prefix + "EnvironmentVar.2.Key", "POD_IP");
    q.put(prefix + "EnvironmentVar.2.FieldRef.FieldPath", "status.podIP");
    q.put(prefix + "Port.1.Port", 8080);
    q.put(prefix + "Port.1.Protocol", "TCP");
    q.put(prefix + "VolumeMount.1.Name", "scratch");
    q.put(prefix + "VolumeMount.1.MountPath", "/scratch/" + name);
    q.put(prefix + "VolumeMount.1.SubPath", name);
    q.put(prefix + "VolumeMount.1.ReadOnly", false);
    q.put(prefix + "VolumeMount.1.MountPropagation", "None");
    q.put(prefix + "SecurityContext.Capability.Add.1", "NET_ADMIN");
    q.put(prefix + "SecurityContext.ReadOnlyRootFilesystem", false);
    q.put(prefix + "SecurityContext.RunAsUser", 0);
    q.put(prefix + "TerminationMessagePath", "/dev/termination-log");
    q.put(prefix + "TerminationMessagePolicy", "File");
    return q;
  }

  /** Request A: every path except those that exclude each other (EIP by id vs created). */
  static Map<String, Object> requestA(String name) {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupName", name);
    q.put("ZoneId", "cn-hangzhou-k");
    q.put("SecurityGroupId", "sg-openeci");
    q.put("VSwitchId", "vsw-openeci");
    q.put("RestartPolicy", "Always");
    q.put("Cpu", 2.0);
    q.put("Memory", 4.0);
    q.put("ResourceGroupId", "rg-openeci");
    q.put("DnsPolicy", "None");
    q.put("ClientToken", "full-" + name);
    q.put("InstanceType", "ecs.c6.large");
    q.put("ImageSnapshotId", imageCacheId);
    q.put("RamRoleName", "role-1");
    q.put("TerminationGracePeriodSeconds", 5);
    q.put("AutoMatchImageCache", false);
    q.put("Ipv6AddressCount", 0);
    q.put("ActiveDeadlineSeconds", 3600);
    q.put("SpotStrategy", "SpotWithPriceLimit");
    q.put("SpotPriceLimit", 0.5);
    q.put("SpotDuration", 1);
    q.put("StrictSpot", true);
    q.put("ScheduleStrategy", "VSwitchOrdered");
    q.put("CorePattern", "/tmp/core");
    q.put("ShareProcessNamespace", false);
    q.put("AutoCreateEip", true);
    q.put("EipBandwidth", 5);
    q.put("EipISP", "BGP");
    q.put("EipCommonBandwidthPackage", "cbwp-1");
    q.put("HostName", "full-host");
    q.put("IngressBandwidth", 100000000L);
    q.put("EgressBandwidth", 100000000L);
    q.put("CpuOptionsCore", 1);
    q.put("CpuOptionsThreadsPerCore", 2);
    q.put("CpuOptionsNuma", "0");
    q.put("EphemeralStorage", 20);
    q.put("Tag.1.Key", "suite");
    q.put("Tag.1.Value", "full");
    q.put("ImageRegistryCredential.1.Server", "registry.example.test");
    q.put("ImageRegistryCredential.1.UserName", "robot");
    q.put("ImageRegistryCredential.1.Password", "s3cret-never-echoed");
    container("Container.1.", q, "exec");
    q.put("Container.1.Tty", false);
    q.put("Container.1.Stdin", false);
    q.put("Container.1.StdinOnce", false);
    q.put("Container.1.EnvironmentVarHide", false);
    q.put("Container.1.SecurityContextRunAsGroup", 0);
    q.put("Container.1.SecurityContextRunAsNonRoot", false);
    q.put("Container.1.SecurityContextPrivileged", false);
    q.put("Container.1.LivenessProbe.Exec.Command.1", "true");
    q.put("Container.1.LivenessProbe.InitialDelaySeconds", 1);
    q.put("Container.1.LivenessProbe.PeriodSeconds", 5);
    q.put("Container.1.LivenessProbe.TimeoutSeconds", 2);
    q.put("Container.1.LivenessProbe.SuccessThreshold", 1);
    q.put("Container.1.LivenessProbe.FailureThreshold", 3);
    q.put("Container.1.ReadinessProbe.Exec.Command.1", "true");
    q.put("Container.1.ReadinessProbe.InitialDelaySeconds", 1);
    q.put("Container.1.ReadinessProbe.PeriodSeconds", 5);
    q.put("Container.1.ReadinessProbe.TimeoutSeconds", 2);
    q.put("Container.1.ReadinessProbe.SuccessThreshold", 1); // the seed: "Must be 1"
    q.put("Container.1.ReadinessProbe.FailureThreshold", 3);
    q.put("Container.1.LifecyclePostStartHandlerExec.1", "true");
    q.put("Container.1.LifecyclePreStopHandlerExec.1", "true");
    container("Container.2.", q, "http");
    q.put("Container.2.LivenessProbe.HttpGet.Path", "/healthz");
    q.put("Container.2.LivenessProbe.HttpGet.Port", 8080);
    q.put("Container.2.LivenessProbe.HttpGet.Scheme", "HTTP");
    q.put("Container.2.ReadinessProbe.HttpGet.Path", "/ready");
    q.put("Container.2.ReadinessProbe.HttpGet.Port", 8080);
    q.put("Container.2.ReadinessProbe.HttpGet.Scheme", "HTTP");
    q.put("Container.2.LifecyclePostStartHandlerHttpGetHost", "127.0.0.1");
    q.put("Container.2.LifecyclePostStartHandlerHttpGetPort", 8080);
    q.put("Container.2.LifecyclePostStartHandlerHttpGetPath", "/started");
    q.put("Container.2.LifecyclePostStartHandlerHttpGetScheme", "HTTP");
    q.put("Container.2.LifecyclePostStartHandlerHttpGetHttpHeader.1.Name", "X-Hook");
    q.put("Container.2.LifecyclePostStartHandlerHttpGetHttpHeader.1.Value", "post");
    q.put("Container.2.LifecyclePreStopHandlerHttpGetHost", "127.0.0.1");
    q.put("Container.2.LifecyclePreStopHandlerHttpGetPort", 8080);
    q.put("Container.2.LifecyclePreStopHandlerHttpGetPath", "/stopping");
    q.put("Container.2.LifecyclePreStopHandlerHttpGetScheme", "HTTP");
    q.put("Container.2.LifecyclePreStopHandlerHttpGetHttpHeader.1.Name", "X-Hook");
    q.put("Container.2.LifecyclePreStopHandlerHttpGetHttpHeader.1.Value", "pre");
    container("Container.3.", q, "tcp");
    q.put("Container.3.LivenessProbe.TcpSocket.Port", 8080);
    q.put("Container.3.ReadinessProbe.TcpSocket.Port", 8080);
    q.put("Container.3.LifecyclePostStartHandlerTcpSocketHost", "127.0.0.1");
    q.put("Container.3.LifecyclePostStartHandlerTcpSocketPort", 8080);
    q.put("Container.3.LifecyclePreStopHandlerTcpSocketHost", "127.0.0.1");
    q.put("Container.3.LifecyclePreStopHandlerTcpSocketPort", 8080);
    container("InitContainer.1.", q, "init");
    q.put("InitContainer.1.Arg.2", "echo init done");
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
    q.put("Volume.3.ConfigFileVolume.DefaultMode", 420);
    q.put("Volume.3.ConfigFileVolume.ConfigFileToPath.1.Path", "app.conf");
    q.put("Volume.3.ConfigFileVolume.ConfigFileToPath.1.Content", "Z3JlZXRpbmc9aGVsbG8K");
    q.put("Volume.3.ConfigFileVolume.ConfigFileToPath.1.Mode", 256);
    q.put("Volume.4.Name", "flex");
    q.put("Volume.4.Type", "FlexVolume");
    q.put("Volume.4.FlexVolume.Driver", "alicloud/disk");
    q.put("Volume.4.FlexVolume.FsType", "ext4");
    q.put("Volume.4.FlexVolume.Options", "{\"volumeId\":\"d-1\"}");
    q.put("Volume.5.Name", "host");
    q.put("Volume.5.Type", "HostPathVolume");
    q.put("Volume.5.HostPathVolume.Path", "/tmp");
    q.put("Volume.5.HostPathVolume.Type", "Directory");
    q.put("Volume.6.Name", "disk");
    q.put("Volume.6.Type", "DiskVolume");
    q.put("Volume.6.DiskVolume.DiskId", "d-openeci");
    q.put("Volume.6.DiskVolume.DiskSize", 20);
    q.put("Volume.6.DiskVolume.FsType", "ext4");
    q.put("DnsConfig.NameServer.1", "10.0.0.53");
    q.put("DnsConfig.Search.1", "openeci.local");
    q.put("DnsConfig.Option.1.Name", "ndots");
    q.put("DnsConfig.Option.1.Value", "2");
    q.put("HostAliase.1.Ip", "127.0.0.1");
    q.put("HostAliase.1.Hostname.1", "app.local");
    q.put("SecurityContext.Sysctl.1.Name", "net.core.somaxconn");
    q.put("SecurityContext.Sysctl.1.Value", "1024");
    q.put("HostSecurityContext.Sysctl.1.Name", "kernel.msgmax"); // namespaced: others are Forbidden.HostSysctl
    q.put("HostSecurityContext.Sysctl.1.Value", "65536");
    q.put("NtpServer.1", "ntp.example.test");
    q.put("AcrRegistryInfo.1.Domain.1", "acr.example.test");
    q.put("AcrRegistryInfo.1.InstanceName", "acr");
    q.put("AcrRegistryInfo.1.InstanceId", "cri-1");
    q.put("AcrRegistryInfo.1.RegionId", "cn-hangzhou");
    q.put("AcrRegistryInfo.1.ArnService", "acs:ram::1:role/a");
    q.put("AcrRegistryInfo.1.ArnUser", "acs:ram::1:role/b");
    q.put("PlainHttpRegistry", "127.0.0.1:15000");
    q.put("InsecureRegistry", "127.0.0.1:15443");
    q.put("ImageAccelerateMode", "nydus");
    q.put("Ipv6GatewayBandwidthEnable", true);
    q.put("Ipv6GatewayBandwidth", "10");
    q.put("ContainerResourceView", false);
    q.put("FixedIp", "true");
    q.put("FixedIpRetainHour", 24);
    q.put("DataCacheBucket", "default");
    q.put("DataCachePL", "PL1");
    q.put("DataCacheProvisionedIops", 1000);
    q.put("DataCacheBurstingEnabled", false);
    q.put("DryRun", false);
    q.put("PrivateIpAddress", "192.168.0.10");
    q.put("OsType", "Linux");
    q.put("CpuArchitecture", "AMD64");
    q.put("ComputeCategory.1", "general");
    q.put("GpuDriverVersion", "tesla=470.82.01");
    q.put("MaxPendingMinute", 30);
    return q;
  }

  static Set<String> catalogue() throws Exception {
    Set<String> out = new HashSet<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        FullSurfaceIT.class.getResourceAsStream("/CreateContainerGroup.params.tsv"), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.startsWith("#") && !line.isBlank()) out.add(line.split("\t")[0]);
      }
    }
    return out;
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyPathGoesThroughTheTeaClientAndReadsBack() throws Exception {
    Map<String, Object> a = requestA("full-" + SdkEndToEndIT.shortId());
    Set<String> sent = new HashSet<>();
    for (String k : a.keySet()) sent.add(k.replaceAll("\\.\\d+(?=\\.|$)", ".N"));
    sent.add("EipInstanceId"); // request B below
    assertThat(sent).as("the requests cover the catalogue").containsAll(catalogue());

    String id = (String) EciClients.call(client, "CreateContainerGroup", a).get("ContainerGroupId");
    // Request B: EIP by id, which excludes AutoCreateEip.
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("RegionId", "cn-hangzhou");
    b.put("ContainerGroupName", "full-eip-" + SdkEndToEndIT.shortId());
    b.put("EipInstanceId", "eip-openeci");
    container("Container.1.", b, "app");
    b.remove("Container.1.VolumeMount.1.Name");
    b.remove("Container.1.VolumeMount.1.MountPath");
    b.remove("Container.1.VolumeMount.1.SubPath");
    b.remove("Container.1.VolumeMount.1.ReadOnly");
    b.remove("Container.1.VolumeMount.1.MountPropagation");
    // Group A publishes 8080 already: a second group holding it is refused (InvalidParameter.HostPortInUse).
    b.put("Container.1.Port.1.Port", 8081);
    String idB = (String) EciClients.call(client, "CreateContainerGroup", b).get("ContainerGroupId");

    Map<String, Object> g = SdkEndToEndIT.describe(client, id).get(0);
    assertThat(g).containsEntry("ContainerGroupId", id).containsEntry("ZoneId", "cn-hangzhou-k")
        .containsEntry("SecurityGroupId", "sg-openeci").containsEntry("VSwitchId", "vsw-openeci")
        .containsEntry("RestartPolicy", "Always").containsEntry("ResourceGroupId", "rg-openeci")
        .containsEntry("DnsPolicy", "None").containsEntry("InstanceType", "ecs.c6.large")
        .containsEntry("RamRoleName", "role-1").containsEntry("SpotStrategy", "SpotWithPriceLimit")
        .containsEntry("SpotPriceLimit", 0.5).containsEntry("ComputeCategory", "general")
        .containsEntry("Cpu", 2.0).containsEntry("Memory", 4.0);
    assertThat(((Number) g.get("EphemeralStorage")).intValue()).isEqualTo(20);
    assertThat(g.get("Tags")).isEqualTo(List.of(Map.of("Key", "suite", "Value", "full")));
    assertThat(g.get("HostAliases")).isEqualTo(List.of(Map.of("Ip", "127.0.0.1", "Hostnames", List.of("app.local"))));
    assertThat(g.get("DnsConfig")).isEqualTo(Map.of("NameServers", List.of("10.0.0.53"), "Searches",
        List.of("openeci.local"), "Options", List.of(Map.of("Name", "ndots", "Value", "2"))));
    assertThat(g.get("EciSecurityContext")).isEqualTo(Map.of("Sysctls",
        List.of(Map.of("Name", "net.core.somaxconn", "Value", "1024"))));
    List<Map<String, Object>> volumes = (List<Map<String, Object>>) g.get("Volumes");
    assertThat(volumes).extracting(v -> v.get("Type")).containsExactly("EmptyDirVolume", "NFSVolume",
        "ConfigFileVolume", "FlexVolume", "HostPathVolume", "DiskVolume");
    assertThat(volumes.get(0)).containsEntry("EmptyDirVolumeMedium", "Memory").containsEntry("EmptyDirVolumeSizeLimit", "64Mi");
    assertThat(volumes.get(1)).containsEntry("NFSVolumeServer", "nfs.example.test").containsEntry("NFSVolumePath", "/export")
        .containsEntry("NFSVolumeReadOnly", true);
    assertThat(volumes.get(2).get("ConfigFileVolumeConfigFileToPaths"))
        .isEqualTo(List.of(Map.of("Path", "app.conf", "Content", "Z3JlZXRpbmc9aGVsbG8K")));
    assertThat(volumes.get(3)).containsEntry("FlexVolumeDriver", "alicloud/disk").containsEntry("FlexVolumeFsType", "ext4")
        .containsEntry("FlexVolumeOptions", "{\"volumeId\":\"d-1\"}");
    assertThat(volumes.get(5)).containsEntry("DiskVolumeDiskId", "d-openeci").containsEntry("DiskVolumeFsType", "ext4");

    List<Map<String, Object>> cs = (List<Map<String, Object>>) g.get("Containers");
    assertThat(cs).extracting(c -> c.get("Name")).containsExactly("exec", "http", "tcp");
    Map<String, Object> exec = cs.get(0);
    assertThat(exec).containsEntry("Image", image).containsEntry("ImagePullPolicy", "IfNotPresent")
        .containsEntry("WorkingDir", "/tmp").containsEntry("Cpu", 0.25).containsEntry("Memory", 0.5)
        .containsEntry("Commands", List.of("/bin/sh")).containsEntry("Tty", false).containsEntry("Stdin", false);
    assertThat(exec.get("EnvironmentVars")).isEqualTo(List.of(Map.of("Key", "GREETING", "Value", "hello é"),
        Map.of("Key", "POD_IP", "ValueFrom", Map.of("FieldRef", Map.of("FieldPath", "status.podIP")))));
    assertThat(exec.get("Ports")).isEqualTo(List.of(Map.of("Port", 8080L, "Protocol", "TCP")));
    assertThat(exec.get("VolumeMounts")).isEqualTo(List.of(Map.of("Name", "scratch", "MountPath", "/scratch/exec",
        "SubPath", "exec", "MountPropagation", "None", "ReadOnly", false)));
    assertThat(exec.get("SecurityContext")).isEqualTo(Map.of("Capability", Map.of("Adds", List.of("NET_ADMIN")),
        "ReadOnlyRootFilesystem", false, "RunAsUser", 0L));
    assertThat((Map<String, Object>) exec.get("LivenessProbe")).containsEntry("Execs", List.of("true"))
        .containsEntry("InitialDelaySeconds", 1L).containsEntry("PeriodSeconds", 5L).containsEntry("TimeoutSeconds", 2L)
        .containsEntry("SuccessThreshold", 1L).containsEntry("FailureThreshold", 3L);
    assertThat((Map<String, Object>) exec.get("ReadinessProbe")).containsEntry("SuccessThreshold", 1L);
    assertThat(((Map<String, Object>) cs.get(1).get("LivenessProbe")).get("HttpGet"))
        .isEqualTo(Map.of("Path", "/healthz", "Port", 8080L, "Scheme", "HTTP"));
    assertThat(((Map<String, Object>) cs.get(2).get("ReadinessProbe")).get("TcpSocket")).isEqualTo(Map.of("Port", 8080L));
    List<Map<String, Object>> inits = (List<Map<String, Object>>) g.get("InitContainers");
    assertThat(inits).singleElement().satisfies(i -> {
      assertThat(i.get("Name")).isEqualTo("init");
      assertThat(i.get("Command")).isEqualTo(List.of("/bin/sh"));
      assertThat(i.get("Args")).isEqualTo(List.of("-c", "echo init done"));
    });
    assertThat(g.toString()).doesNotContain("s3cret-never-echoed");

    // The same request with the same ClientToken is the same group; nothing new.
    assertThat(EciClients.call(client, "CreateContainerGroup", a).get("ContainerGroupId")).isEqualTo(id);
    assertThat(SdkEndToEndIT.describe(client, idB)).hasSize(1);

    for (String gid : List.of(id, idB)) {
      EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", gid));
    }
  }

  @Test
  void dryRunCreatesNothingAndAClientTokenSurvivesKillNine() throws Exception {
    String name = "token-" + SdkEndToEndIT.shortId();
    Map<String, Object> q = SdkEndToEndIT.createQuery(name, "token");
    q.put("DryRun", true);
    assertThatThrownBy(() -> EciClients.call(client, "CreateContainerGroup", q))
        .isInstanceOfSatisfying(TeaException.class, e -> {
          assertThat(e.getCode()).isEqualTo("DryRun.Success");
          assertThat(e.getStatusCode()).isEqualTo(400);
        });
    Map<String, Object> byName = new LinkedHashMap<>(Map.of("RegionId", "cn-hangzhou", "ContainerGroupName", name));
    assertThat(SdkEndToEndIT.asList(EciClients.call(client, "DescribeContainerGroups", byName).get("ContainerGroups")))
        .isEmpty();

    q.remove("DryRun");
    q.put("ClientToken", "tok-" + name);
    String id = (String) EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");
    server.kill9();
    server.start();
    assertThat(SdkEndToEndIT.await(() -> {
      try {
        return EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");
      } catch (Exception e) {
        return null;
      }
    }, "retry after restart")).isEqualTo(id);
    assertThat(SdkEndToEndIT.asList(EciClients.call(client, "DescribeContainerGroups", byName).get("ContainerGroups")))
        .hasSize(1);
    q.put("Container.1.Image", image + "-other");
    assertThatThrownBy(() -> EciClients.call(client, "CreateContainerGroup", q))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("IdempotentParameterMismatch"));
    EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
  }

  @Test
  @SuppressWarnings("unchecked")
  void restartStatusEventsAndRegions() throws Exception {
    String id = (String) EciClients.call(client, "CreateContainerGroup",
        SdkEndToEndIT.createQuery("day2-" + SdkEndToEndIT.shortId(), "day2")).get("ContainerGroupId");
    Map<String, Object> running = SdkEndToEndIT.awaitStatus(client, id, "Running");
    String ip = (String) running.get("IntranetIp");
    String startedBefore = (String) ((Map<String, Object>) ((List<Map<String, Object>>) running.get("Containers"))
        .get(0).get("CurrentState")).get("StartTime");

    Map<String, Object> status = EciClients.call(client, "DescribeContainerGroupStatus",
        Map.of("RegionId", "cn-hangzhou", "ContainerGroupIds", "[\"" + id + "\"]"));
    Map<String, Object> d = SdkEndToEndIT.asList(status.get("Data")).get(0);
    assertThat(d).containsEntry("ContainerGroupId", id).containsEntry("uuid", id).containsEntry("Status", "Running");
    Map<String, Object> pod = (Map<String, Object>) d.get("PodStatus");
    assertThat(pod).containsEntry("Phase", "Running").containsEntry("PodIp", ip);
    assertThat((List<Map<String, Object>>) pod.get("Conditions")).anySatisfy(c -> {
      assertThat(c.get("type")).isEqualTo("Ready");
      assertThat(c.get("status")).isEqualTo("True");
    });
    Map<String, Object> web = ((List<Map<String, Object>>) pod.get("ContainerStatuses")).get(0);
    assertThat(web).containsEntry("Name", "web").containsEntry("Ready", true);
    assertThat((Map<String, Object>) web.get("State")).containsKey("Running");

    Map<String, Object> events = EciClients.call(client, "DescribeContainerGroupEvents",
        Map.of("RegionId", "cn-hangzhou", "ContainerGroupIds", "[\"" + id + "\"]", "EventSource", "K8sAgent"));
    List<Map<String, Object>> evs = (List<Map<String, Object>>) SdkEndToEndIT.asList(events.get("Data")).get(0).get("Events");
    assertThat(evs).extracting(e -> e.get("Reason")).contains("Created", "Started");
    assertThat(evs.get(0)).containsKeys("Count", "Type", "FirstTimestamp", "LastTimestamp", "involvedObject", "Metadata");

    // StartTime has second precision: restart once the wall clock is past the first start's second,
    // so that the restart shows in it.
    java.time.Instant firstStart = java.time.Instant.parse(startedBefore);
    SdkEndToEndIT.await(() -> java.time.Instant.now().isAfter(firstStart.plusSeconds(1)) ? true : null,
        "the wall clock one second past the first StartTime " + startedBefore);
    EciClients.call(client, "RestartContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
    Map<String, Object> after = SdkEndToEndIT.awaitStatus(client, id, "Running");
    String startedAfter = (String) ((Map<String, Object>) ((List<Map<String, Object>>) after.get("Containers"))
        .get(0).get("CurrentState")).get("StartTime");
    assertThat(startedAfter).isGreaterThan(startedBefore);
    assertThat(after.get("IntranetIp")).as("the sandbox, and so the IP, survives a restart").isEqualTo(ip);
    assertThat(SdkEndToEndIT.httpGet("http://" + ip + ":8080/")).isEqualTo("hello from day2\n");
    assertThat((List<Map<String, Object>>) after.get("Events")).extracting(e -> e.get("Reason"))
        .contains("Restarting", "Killing");

    Map<String, Object> regions = EciClients.call(client, "DescribeRegions", Map.of("RegionId", "cn-hangzhou"));
    assertThat(SdkEndToEndIT.asList(regions.get("Regions"))).singleElement().satisfies(r -> {
      assertThat(r.get("RegionId")).isEqualTo("cn-hangzhou");
      assertThat(r.get("Zones")).isEqualTo(List.of("cn-hangzhou-a"));
    });

    EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
    assertThatThrownBy(() -> EciClients.call(client, "RestartContainerGroup",
        Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id)))
        .isInstanceOfSatisfying(TeaException.class, e -> assertThat(e.getCode()).isEqualTo("InvalidParameter.NotFound"));
  }
}
