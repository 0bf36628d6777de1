package dev.openeci.api.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.testing.ApiHarness;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One row per CreateContainerGroup validation rule, through the real request pipeline and store:
 * each asserts the documented code, the HTTP status, a message naming the parameter, and that
 * nothing was created (no group, no client token, no worker woken).
 */
class CreateValidationTest {
  @TempDir
  Path dir;
  ApiHarness api;

  @BeforeEach
  void open() {
    api = new ApiHarness(dir);
  }

  @AfterEach
  void close() {
    api.close();
  }

  static Map<String, String> valid() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("RegionId", "cn-hangzhou");
    p.put("ContainerGroupName", "web");
    p.put("Container.1.Name", "app");
    p.put("Container.1.Image", "busybox");
    return p;
  }

  record Rule(String name, Consumer<Map<String, String>> change, String code, String mentions) {}

  static Rule r(String name, String code, String mentions, Consumer<Map<String, String>> change) {
    return new Rule(name, change, code, mentions);
  }

  static String repeat(char c, int n) {
    return String.valueOf(c).repeat(n);
  }

  static final String BAD = "InvalidParameter";
  static final String MISSING = "MissingParameter";

  static List<Rule> rules() {
    List<Rule> t = new ArrayList<>(List.of(
        r("name missing", MISSING, "ContainerGroupName", p -> p.remove("ContainerGroupName")),
        r("name too short", BAD, "ContainerGroupName", p -> p.put("ContainerGroupName", "a")),
        r("name too long", BAD, "ContainerGroupName", p -> p.put("ContainerGroupName", repeat('a', 129))),
        r("name upper case", BAD, "ContainerGroupName", p -> p.put("ContainerGroupName", "Web")),
        r("name leading hyphen", BAD, "ContainerGroupName", p -> p.put("ContainerGroupName", "-web")),
        r("name trailing hyphen", BAD, "ContainerGroupName", p -> p.put("ContainerGroupName", "web-")),
        r("name underscore", BAD, "ContainerGroupName", p -> p.put("ContainerGroupName", "my_web")),
        r("no container", MISSING, "Container.1.Name", p -> {
          p.remove("Container.1.Name");
          p.remove("Container.1.Image");
        }),
        r("container image missing", MISSING, "Container.1.Image", p -> p.remove("Container.1.Image")),
        r("container name invalid", BAD, "Container.1.Name", p -> p.put("Container.1.Name", "App")),
        r("21 containers", BAD, "Container", p -> {
          for (int i = 1; i <= 21; i++) {
            p.put("Container." + i + ".Name", "c" + i);
            p.put("Container." + i + ".Image", "busybox");
          }
        }),
        r("duplicate container names", "InvalidParameter.DuplicatedName", "app", p -> {
          p.put("Container.2.Name", "app");
          p.put("Container.2.Image", "busybox");
        }),
        r("init and app share a name", "InvalidParameter.DuplicatedName", "app", p -> {
          p.put("InitContainer.1.Name", "app");
          p.put("InitContainer.1.Image", "busybox");
        }),
        r("21 volumes", BAD, "Volume", p -> {
          for (int i = 1; i <= 21; i++) {
            p.put("Volume." + i + ".Name", "v" + i);
            p.put("Volume." + i + ".Type", "EmptyDirVolume");
          }
        }),
        r("duplicate volume names", "InvalidParameter.DuplicatedVolumeName", "v1", p -> {
          p.put("Volume.1.Name", "v1");
          p.put("Volume.1.Type", "EmptyDirVolume");
          p.put("Volume.2.Name", "v1");
          p.put("Volume.2.Type", "EmptyDirVolume");
        }),
        r("mount of an undeclared volume", BAD, "Container.1.VolumeMount.1.Name", p -> {
          p.put("Container.1.VolumeMount.1.Name", "nope");
          p.put("Container.1.VolumeMount.1.MountPath", "/data");
        }),
        r("volume type unknown", BAD, "Volume.1.Type", p -> {
          p.put("Volume.1.Name", "v1");
          p.put("Volume.1.Type", "GlusterVolume");
        }),
        r("emptyDir medium unknown", BAD, "Volume.1.EmptyDirVolume.Medium", p -> {
          p.put("Volume.1.Name", "v1");
          p.put("Volume.1.Type", "EmptyDirVolume");
          p.put("Volume.1.EmptyDirVolume.Medium", "ssd");
        }),
        r("mount propagation unknown", BAD, "MountPropagation", p -> {
          p.put("Volume.1.Name", "v1");
          p.put("Volume.1.Type", "EmptyDirVolume");
          p.put("Container.1.VolumeMount.1.Name", "v1");
          p.put("Container.1.VolumeMount.1.MountPath", "/data");
          p.put("Container.1.VolumeMount.1.MountPropagation", "Shared");
        }),
        r("21 tags", BAD, "Tag", p -> {
          for (int i = 1; i <= 21; i++) {
            p.put("Tag." + i + ".Key", "k" + i);
            p.put("Tag." + i + ".Value", "v");
          }
        }),
        r("tag key too long", BAD, "Tag.1.Key", p -> p.put("Tag.1.Key", repeat('k', 65))),
        r("tag key aliyun prefix", BAD, "Tag.1.Key", p -> p.put("Tag.1.Key", "aliyun-owner")),
        r("tag key acs: prefix", BAD, "Tag.1.Key", p -> p.put("Tag.1.Key", "acs:owner")),
        r("tag key with URL", BAD, "Tag.1.Key", p -> p.put("Tag.1.Key", "see-https://x")),
        r("tag value too long", BAD, "Tag.1.Value", p -> {
          p.put("Tag.1.Key", "k");
          p.put("Tag.1.Value", repeat('v', 129));
        }),
        r("env key starts with digit", BAD, "Container.1.EnvironmentVar.1.Key", p ->
            p.put("Container.1.EnvironmentVar.1.Key", "1A")),
        r("env key with dash", BAD, "Container.1.EnvironmentVar.1.Key", p ->
            p.put("Container.1.EnvironmentVar.1.Key", "A-B")),
        r("env key too long", BAD, "Container.1.EnvironmentVar.1.Key", p ->
            p.put("Container.1.EnvironmentVar.1.Key", repeat('K', 129))),
        r("env value too long", BAD, "Container.1.EnvironmentVar.1.Value", p -> {
          p.put("Container.1.EnvironmentVar.1.Key", "K");
          p.put("Container.1.EnvironmentVar.1.Value", repeat('v', 257));
        }),
        r("env fieldRef not podIP", BAD, "FieldPath", p -> {
          p.put("Container.1.EnvironmentVar.1.Key", "K");
          p.put("Container.1.EnvironmentVar.1.FieldRef.FieldPath", "metadata.name");
        }),
        r("21 command items", BAD, "Container.1.Command", p -> {
          for (int i = 1; i <= 21; i++) p.put("Container.1.Command." + i, "x");
        }),
        r("command item too long", BAD, "Container.1.Command.1", p -> p.put("Container.1.Command.1", repeat('x', 257))),
        r("11 args", BAD, "Container.1.Arg", p -> {
          for (int i = 1; i <= 11; i++) p.put("Container.1.Arg." + i, "x");
        }),
        r("probe with two methods", BAD, "Container.1.LivenessProbe", p -> {
          p.put("Container.1.LivenessProbe.TcpSocket.Port", "80");
          p.put("Container.1.LivenessProbe.HttpGet.Port", "80");
        }),
        r("probe without a method", BAD, "Container.1.ReadinessProbe", p ->
            p.put("Container.1.ReadinessProbe.PeriodSeconds", "5")),
        r("probe period 0", BAD, "PeriodSeconds", p -> {
          p.put("Container.1.LivenessProbe.TcpSocket.Port", "80");
          p.put("Container.1.LivenessProbe.PeriodSeconds", "0");
        }),
        r("probe timeout 0", BAD, "TimeoutSeconds", p -> {
          p.put("Container.1.LivenessProbe.TcpSocket.Port", "80");
          p.put("Container.1.LivenessProbe.TimeoutSeconds", "0");
        }),
        r("probe negative delay", BAD, "InitialDelaySeconds", p -> {
          p.put("Container.1.ReadinessProbe.TcpSocket.Port", "80");
          p.put("Container.1.ReadinessProbe.InitialDelaySeconds", "-1");
        }),
        r("probe failure threshold 0", BAD, "FailureThreshold", p -> {
          p.put("Container.1.ReadinessProbe.TcpSocket.Port", "80");
          p.put("Container.1.ReadinessProbe.FailureThreshold", "0");
        }),
        r("liveness success threshold 2", BAD, "SuccessThreshold", p -> {
          p.put("Container.1.LivenessProbe.TcpSocket.Port", "80");
          p.put("Container.1.LivenessProbe.SuccessThreshold", "2");
        }),
        r("probe http scheme unknown", BAD, "Scheme", p -> {
          p.put("Container.1.LivenessProbe.HttpGet.Port", "80");
          p.put("Container.1.LivenessProbe.HttpGet.Scheme", "FTP");
        }),
        r("hook with two methods", BAD, "LifecyclePreStopHandler", p -> {
          p.put("Container.1.LifecyclePreStopHandlerExec.1", "true");
          p.put("Container.1.LifecyclePreStopHandlerTcpSocketPort", "80");
        }),
        r("port 0", BAD, "Container.1.Port.1.Port", p -> p.put("Container.1.Port.1.Port", "0")),
        r("port 65536", BAD, "Container.1.Port.1.Port", p -> p.put("Container.1.Port.1.Port", "65536")),
        r("port protocol SCTP", BAD, "Container.1.Port.1.Protocol", p -> {
          p.put("Container.1.Port.1.Port", "80");
          p.put("Container.1.Port.1.Protocol", "SCTP");
        }),
        r("restart policy unknown", BAD, "RestartPolicy", p -> p.put("RestartPolicy", "Sometimes")),
        r("image pull policy unknown", BAD, "ImagePullPolicy", p -> p.put("Container.1.ImagePullPolicy", "Maybe")),
        r("dns policy unknown", BAD, "DnsPolicy", p -> p.put("DnsPolicy", "ClusterFirst")),
        r("spot strategy unknown", BAD, "SpotStrategy", p -> p.put("SpotStrategy", "Cheap")),
        r("schedule strategy unknown", BAD, "ScheduleStrategy", p -> p.put("ScheduleStrategy", "Any")),
        r("os type unknown", BAD, "OsType", p -> p.put("OsType", "Mac")),
        r("cpu architecture unknown", BAD, "CpuArchitecture", p -> p.put("CpuArchitecture", "RISCV")),
        r("compute category unknown", BAD, "ComputeCategory.1", p -> p.put("ComputeCategory.1", "premium")),
        r("image accelerate mode unknown", BAD, "ImageAccelerateMode", p -> p.put("ImageAccelerateMode", "turbo")),
        r("spot price limit without SpotWithPriceLimit", BAD, "SpotPriceLimit", p -> p.put("SpotPriceLimit", "0.5")),
        r("spot duration without spot", BAD, "SpotDuration", p -> p.put("SpotDuration", "1")),
        r("EIP bandwidth without AutoCreateEip", BAD, "EipBandwidth", p -> p.put("EipBandwidth", "5")),
        r("EIP ISP without AutoCreateEip", BAD, "EipISP", p -> p.put("EipISP", "BGP")),
        r("EipInstanceId with AutoCreateEip", BAD, "EipInstanceId", p -> {
          p.put("EipInstanceId", "eip-1");
          p.put("AutoCreateEip", "true");
        }),
        r("IPv6 gateway bandwidth without enable", BAD, "Ipv6GatewayBandwidth", p -> p.put("Ipv6GatewayBandwidth", "10")),
        r("fixed IP retain without FixedIp", BAD, "FixedIpRetainHour", p -> p.put("FixedIpRetainHour", "24")),
        r("data cache PL without bucket", BAD, "DataCachePL", p -> p.put("DataCachePL", "PL1")),
        r("config file content not Base64", BAD, "Content", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Content", "%%%not base64");
        }),
        r("config file over 32 KB", BAD, "Content", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Content", b64(33 * 1024));
        }),
        r("config volume over 60 KB", BAD, "ConfigFileVolume", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Content", b64(31 * 1024));
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.2.Path", "b");
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.2.Content", b64(31 * 1024));
        }),
        r("config file mode not a permission", BAD, "Mode", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Mode", "1000");
        }),
        r("config default mode negative", BAD, "DefaultMode", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.DefaultMode", "-1");
        }),
        r("config file path \".\" (issue 10)", BAD, "ConfigFileToPath.1.Path", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", ".");
        }),
        r("config file path \"a/./b\"", BAD, "ConfigFileToPath.1.Path", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "a/./b");
        }),
        r("config file path \"a/../b\"", BAD, "ConfigFileToPath.1.Path", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "a/../b");
        }),
        r("config file path \"..\"", BAD, "ConfigFileToPath.1.Path", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "..");
        }),
        r("config file path empty name", BAD, "ConfigFileToPath.1.Path", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "a//b");
        }),
        r("config file path trailing slash", BAD, "ConfigFileToPath.1.Path", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "a/");
        }),
        r("config file path absolute", BAD, "ConfigFileToPath.1.Path", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "/etc/passwd");
        }),
        r("config file path NUL", BAD, "ConfigFileToPath.1.Path", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "a\0b");
        }),
        r("config file name over 255 bytes", BAD, "ConfigFileToPath.1.Path", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", repeat('x', 256));
        }),
        r("config file path over 1024 bytes", BAD, "ConfigFileToPath.1.Path", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "d/".repeat(512) + "f");
        }),
        r("config file under another file", BAD, "ConfigFileToPath.2.Path", p -> {
          configVolume(p);
          p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.2.Path", "a/b");
        }),
        r("disk id with \"..\" (issue 10)", BAD, "DiskVolume.DiskId", p -> {
          p.put("Volume.1.Name", "disk");
          p.put("Volume.1.Type", "DiskVolume");
          p.put("Volume.1.DiskVolume.DiskId", "../../x");
        }),
        r("emptyDir size beyond a long (the syncer could not compute it)", BAD, "EmptyDirVolume.SizeLimit", p -> {
          p.put("Volume.1.Name", "scratch");
          p.put("Volume.1.Type", "EmptyDirVolume");
          p.put("Volume.1.EmptyDirVolume.SizeLimit", "99999999999999999Ti");
        }),
        r("emptyDir size with a million digits", BAD, "EmptyDirVolume.SizeLimit", p -> {
          p.put("Volume.1.Name", "scratch");
          p.put("Volume.1.Type", "EmptyDirVolume");
          p.put("Volume.1.EmptyDirVolume.SizeLimit", repeat('9', 60_000) + "Gi");
        }),
        r("disk id with a slash", BAD, "DiskVolume.DiskId", p -> {
          p.put("Volume.1.Name", "disk");
          p.put("Volume.1.Type", "DiskVolume");
          p.put("Volume.1.DiskVolume.DiskId", "d-1/x");
        }),
        r("disk id too long", BAD, "DiskVolume.DiskId", p -> {
          p.put("Volume.1.Name", "disk");
          p.put("Volume.1.Type", "DiskVolume");
          p.put("Volume.1.DiskVolume.DiskId", "d-" + repeat('a', 63));
        }),
        r("sub path with NUL", BAD, "VolumeMount.1.SubPath", p -> {
          configVolume(p);
          p.put("Container.1.VolumeMount.1.Name", "cfg");
          p.put("Container.1.VolumeMount.1.MountPath", "/cfg");
          p.put("Container.1.VolumeMount.1.SubPath", "a\0");
        }),
        r("client token too long", BAD, "ClientToken", p -> p.put("ClientToken", repeat('t', 65))),
        r("client token not ASCII", BAD, "ClientToken", p -> p.put("ClientToken", "tökén")),
        r("containers exceed the group", "InvalidParameter.CPU.Memory", "Cpu", p -> {
          p.put("Cpu", "1");
          p.put("Memory", "2");
          p.put("Container.1.Cpu", "2");
        }),
        r("more vCPU than any spec", "InvalidParameter.CPU.Memory", "Cpu", p -> {
          p.put("Cpu", "128");
          p.put("Memory", "256");
        }),
        r("zero memory", "InvalidParameter.CPU.Memory", "Memory", p -> {
          p.put("Cpu", "2");
          p.put("Memory", "0");
        }),
        r("unknown instance type", BAD, "InstanceType", p -> p.put("InstanceType", "ecs.zz9.huge")),
        r("sysctl not namespaced", BAD, "SecurityContext.Sysctl.1.Name", p -> {
          p.put("SecurityContext.Sysctl.1.Name", "vm.swappiness");
          p.put("SecurityContext.Sysctl.1.Value", "10");
        }),
        r("host alias IP invalid", BAD, "HostAliase.1.Ip", p -> {
          p.put("HostAliase.1.Ip", "not-an-ip");
          p.put("HostAliase.1.Hostname.1", "a.local");
        }),
        r("registry credential without password", MISSING, "ImageRegistryCredential.1.Password", p -> {
          p.put("ImageRegistryCredential.1.Server", "reg.local");
          p.put("ImageRegistryCredential.1.UserName", "u");
        }),
        r("boolean not a boolean", BAD, "AutoCreateEip", p -> p.put("AutoCreateEip", "yes")),
        r("number not a number", BAD, "Cpu", p -> p.put("Cpu", "two")),
        r("negative grace period", BAD, "TerminationGracePeriodSeconds", p ->
            p.put("TerminationGracePeriodSeconds", "-1"))));
    return t;
  }

  static void configVolume(Map<String, String> p) {
    p.put("Volume.1.Name", "cfg");
    p.put("Volume.1.Type", "ConfigFileVolume");
    p.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "a");
  }

  static String b64(int bytes) {
    return Base64.getEncoder().encodeToString(new byte[bytes]);
  }

  @Test
  void everyRuleHasItsCodeStatusAndCreatesNothing() {
    assertThat(api.call("CreateContainerGroup", valid()).status()).as("the base request is valid").isEqualTo(200);
    api.repo.delete(api.repo.all().get(0).id());
    api.woken.clear();
    List<String> failures = new ArrayList<>();
    for (Rule rule : rules()) {
      Map<String, String> p = valid();
      rule.change().accept(p);
      p.put("ClientToken", p.getOrDefault("ClientToken", "tok-" + rule.name().hashCode()));
      ApiHarness.Reply reply = api.call("CreateContainerGroup", p);
      String got = reply.status() + " " + reply.code();
      String want = "400 " + rule.code();
      if (!got.equals(want)) {
        failures.add(rule.name() + ": want " + want + ", got " + got + " " + reply.body());
      } else if (!reply.body().get("Message").asText().contains(rule.mentions())) {
        failures.add(rule.name() + ": message does not name " + rule.mentions() + ": " + reply.body().get("Message"));
      }
      if (!api.repo.all().isEmpty() || api.tokenCount() != 0 || !api.woken.isEmpty()) {
        failures.add(rule.name() + ": something was created");
      }
    }
    assertThat(failures).isEmpty();
    assertThat(rules()).hasSizeGreaterThanOrEqualTo(79);
  }

  @Test
  void dryRunValidatesEverythingAndCreatesNothing() {
    Map<String, String> p = valid();
    p.put("DryRun", "true");
    ApiHarness.Reply ok = api.call("CreateContainerGroup", p);
    assertThat(ok.status()).isEqualTo(400);
    assertThat(ok.code()).isEqualTo("DryRun.Success");
    p.put("ContainerGroupName", "Bad_Name");
    assertThat(api.call("CreateContainerGroup", p).code()).isEqualTo("InvalidParameter");
    assertThat(api.repo.all()).isEmpty();
    assertThat(api.tokenCount()).isZero();
  }

  @Test
  void unsupportedSpecsAreRoundedUpLikeEci() {
    Map<String, String> p = valid();
    p.put("Cpu", "3");
    p.put("Memory", "5");
    assertThat(api.call("CreateContainerGroup", p).status()).isEqualTo(200);
    var g = api.repo.all().get(0).spec();
    assertThat(g.cpu()).isEqualTo(4.0);
    assertThat(g.memory()).isEqualTo(8.0);
    Map<String, String> t = valid();
    t.put("ContainerGroupName", "typed");
    t.put("InstanceType", "ecs.c6.large");
    assertThat(api.call("CreateContainerGroup", t).status()).isEqualTo(200);
    var typed = api.repo.all().stream().filter(x -> x.spec().name().equals("typed")).findFirst().orElseThrow().spec();
    assertThat(typed.cpu()).isEqualTo(2.0);
    assertThat(typed.memory()).isEqualTo(4.0);
    Map<String, String> d = valid();
    d.put("ContainerGroupName", "defaults");
    api.call("CreateContainerGroup", d);
    var dflt = api.repo.all().stream().filter(x -> x.spec().name().equals("defaults")).findFirst().orElseThrow().spec();
    assertThat(dflt.cpu()).isEqualTo(2.0);
    assertThat(dflt.memory()).isEqualTo(4.0);
  }

  @Test
  void clientTokenMakesRetriesIdempotentAndRejectsADifferentRequest() {
    Map<String, String> p = valid();
    p.put("ClientToken", "tok-1");
    String first = api.call("CreateContainerGroup", p).body().get("ContainerGroupId").asText();
    String again = api.call("CreateContainerGroup", p).body().get("ContainerGroupId").asText();
    assertThat(again).isEqualTo(first);
    assertThat(api.repo.all()).hasSize(1);
    p.put("Container.1.Image", "busybox:2");
    ApiHarness.Reply other = api.call("CreateContainerGroup", p);
    assertThat(other.status()).isEqualTo(400);
    assertThat(other.code()).isEqualTo("IdempotentParameterMismatch");
    assertThat(api.repo.all()).hasSize(1);
  }
}
