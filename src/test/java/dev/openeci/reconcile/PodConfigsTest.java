package dev.openeci.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.group.ContainerPort;
import dev.openeci.group.ContainerSecurity;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.PodOptions;
import dev.openeci.group.RestartPolicy;
import dev.openeci.group.VolumeMount;
import dev.openeci.group.VolumeSpec;
import dev.openeci.runtime.CreateContainer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure pod-configuration mapping (docs/pod-config.md). */
class PodConfigsTest {

  static ContainerSpec container(String name, Double cpu, Double memory, List<ContainerPort> ports,
      List<VolumeMount> mounts, ContainerSecurity security) {
    return ContainerSpec.builder().name(name).image("busybox").cpu(cpu).memory(memory).ports(ports).volumeMounts(mounts)
        .security(security).build();
  }

  static GroupSpec group(List<ContainerSpec> containers, PodOptions.Dns dns, PodOptions.Network net,
      PodOptions.Security security) {
    return GroupSpec.builder().name("web-app").zoneId("z").restartPolicy(RestartPolicy.Always).cpu(2).memory(4)
        .containers(containers).terminationGracePeriodSeconds(30).dns(dns).network(net).security(security).build();
  }

  static PodOptions.Network eip(Boolean auto, String id) {
    return PodOptions.Network.builder().eipInstanceId(id).autoCreateEip(auto).build();
  }

  @Test
  void hostnameIsHostNameElseTheGroupName() {
    GroupSpec plain = group(List.of(), null, null, null);
    assertThat(PodConfigs.hostname(plain)).isEqualTo("web-app");
    GroupSpec named = group(List.of(), new PodOptions.Dns(null, List.of(), List.of(), List.of(), List.of(), "pod-host",
        List.of()), null, null);
    assertThat(PodConfigs.hostname(named)).isEqualTo("pod-host");
  }

  @Test
  void dnsPolicyNoneUsesOnlyDnsConfigDefaultMergesIntoTheHosts() {
    List<PodOptions.Dns.Option> opts = List.of(new PodOptions.Dns.Option("ndots", "2"),
        new PodOptions.Dns.Option("rotate", null));
    PodOptions.Dns none = new PodOptions.Dns("None", List.of("10.0.0.53"), List.of("a.local"), opts, List.of(), null,
        List.of());
    assertThat(PodConfigs.dns(none, List.of("8.8.8.8"), List.of("corp")))
        .isEqualTo(new PodConfigs.Dns(List.of("10.0.0.53"), List.of("a.local"), List.of("ndots:2", "rotate")));
    PodOptions.Dns dflt = new PodOptions.Dns("Default", List.of("10.0.0.53", "8.8.8.8"), List.of("a.local"), List.of(),
        List.of(), null, List.of());
    assertThat(PodConfigs.dns(dflt, List.of("8.8.8.8"), List.of("corp")))
        .isEqualTo(new PodConfigs.Dns(List.of("8.8.8.8", "10.0.0.53"), List.of("corp", "a.local"), List.of()));
    // Nothing configured: the engine's default (the host's resolv.conf).
    assertThat(PodConfigs.dns(PodOptions.Dns.NONE, List.of("8.8.8.8"), List.of()))
        .isEqualTo(new PodConfigs.Dns(List.of(), List.of(), List.of()));
  }

  @Test
  void hostAliasesSysctlsAndSharedPidsGoToTheSandbox() {
    PodOptions.Dns dns = new PodOptions.Dns(null, List.of(), List.of(), List.of(),
        List.of(new PodOptions.Dns.HostAlias("10.1.2.3", List.of("app.local", "db.local"))), null, List.of());
    PodOptions.Security sec = PodOptions.Security.builder()
        .sysctls(List.of(new PodOptions.Security.Sysctl("net.core.somaxconn", "1024")))
        .hostSysctls(List.of(new PodOptions.Security.Sysctl("kernel.shm_rmid_forced", "1"))).shareProcessNamespace(true)
        .build();
    CreateContainer.Network n = PodConfigs.sandbox(group(List.of(), dns, null, sec), List.of(), List.of(), "127.0.0.1");
    assertThat(n.extraHosts()).containsExactly("app.local:10.1.2.3", "db.local:10.1.2.3");
    assertThat(n.sysctls()).containsExactlyInAnyOrderEntriesOf(Map.of("net.core.somaxconn", "1024",
        "kernel.shm_rmid_forced", "1"));
    assertThat(n.sharePid()).isTrue();
    assertThat(n.joins()).isFalse();
  }

  @Test
  void portsArePublishedOnlyWithAPublicAddressDeduplicated() {
    ContainerSpec a = container("a", null, null, List.of(new ContainerPort(80, "TCP"), new ContainerPort(53, "UDP")),
        List.of(), null);
    ContainerSpec b = container("b", null, null, List.of(new ContainerPort(80, "TCP")), List.of(), null);
    assertThat(PodConfigs.ports(group(List.of(a, b), null, null, null), "10.0.0.1")).isEmpty();
    assertThat(PodConfigs.ports(group(List.of(a, b), null, eip(false, null), null), "10.0.0.1")).isEmpty();
    List<CreateContainer.PortBinding> auto = PodConfigs.ports(group(List.of(a, b), null, eip(true, null), null),
        "10.0.0.1");
    assertThat(auto).containsExactly(new CreateContainer.PortBinding(80, "TCP", "10.0.0.1", 80),
        new CreateContainer.PortBinding(53, "UDP", "10.0.0.1", 53));
    assertThat(PodConfigs.ports(group(List.of(a), null, eip(null, "eip-1"), null), "10.0.0.1")).hasSize(2);
  }

  @Test
  void userComesFromRunAsUserAndRunAsGroup() {
    assertThat(PodConfigs.user(ContainerSecurity.NONE, "app")).isNull();
    assertThat(PodConfigs.user(sec(1000L, null, null), "")).isEqualTo("1000");
    assertThat(PodConfigs.user(sec(1000L, 3000L, null), "app")).isEqualTo("1000:3000");
    assertThat(PodConfigs.user(sec(null, 3000L, null), "app:staff")).isEqualTo("app:3000");
    assertThat(PodConfigs.user(sec(null, 3000L, null), "")).isEqualTo("0:3000");
  }

  static ContainerSecurity sec(Long user, Long group, Boolean nonRoot) {
    return ContainerSecurity.builder().runAsUser(user).runAsGroup(group).runAsNonRoot(nonRoot).build();
  }

  @Test
  void runAsNonRootRefusesRootLikeTheKubelet() {
    record Row(ContainerSecurity s, String imageUser, String refusal) {}
    List<Row> rows = List.of(
        new Row(sec(null, null, null), "", null),
        new Row(sec(null, null, false), "", null),
        new Row(sec(null, null, true), "", "image will run as root"),
        new Row(sec(null, null, true), "root", "image will run as root"),
        new Row(sec(null, null, true), "0:0", "image will run as root"),
        new Row(sec(null, null, true), "app", "non-numeric user (app)"),
        new Row(sec(null, null, true), "1000", null),
        new Row(sec(1000L, null, true), "", null),
        new Row(sec(0L, null, true), "1000", "runAsUser breaks non-root policy"));
    for (Row r : rows) {
      var got = PodConfigs.runAsNonRootViolation(r.s(), r.imageUser(), "pod", "c");
      if (r.refusal() == null) {
        assertThat(got).as(r.toString()).isEmpty();
      } else {
        assertThat(got).as(r.toString()).hasValueSatisfying(m -> assertThat(m).contains(r.refusal())
            .contains("(pod: \"pod\", container: c)"));
      }
    }
  }

  @Test
  void mountsHonourSubPathReadOnlyAndPropagation() {
    Map<String, PodConfigs.Volume> vols = Map.of(
        "dir", PodConfigs.Volume.bind("/data/pods/g/volumes/dir", false),
        "cfg", PodConfigs.Volume.bind("/data/pods/g/volumes/cfg", true),
        "mem", PodConfigs.Volume.engine("openeci-g-mem", "/var/lib/vol/_data", false));
    ContainerSpec c = container("c", null, null, List.of(), List.of(
        new VolumeMount("dir", "/a", null, false, "HostToContainer"),
        new VolumeMount("dir", "/b", "sub/x", true, "Bidirectional"),
        new VolumeMount("cfg", "/c", null, false, "None"),
        new VolumeMount("mem", "/d", null, false, null),
        new VolumeMount("mem", "/e", "part", false, null)), null);
    // SubPath mounts use the server-owned bind mount PodVolumes.subPaths made, never hostDir + subPath.
    Map<Integer, String> subPaths = Map.of(1, "/data/pods/g/volume-subpaths/dir/app-c/1",
        4, "/data/pods/g/volume-subpaths/mem/app-c/4");
    assertThat(PodConfigs.mounts(c, vols, subPaths)).containsExactly(
        new CreateContainer.Mount("bind", "/data/pods/g/volumes/dir", "/a", false, 0, "rslave"),
        new CreateContainer.Mount("bind", "/data/pods/g/volume-subpaths/dir/app-c/1", "/b", true, 0, "rshared"),
        new CreateContainer.Mount("bind", "/data/pods/g/volumes/cfg", "/c", true, 0, null),
        new CreateContainer.Mount("volume", "openeci-g-mem", "/d", false, 0, null),
        new CreateContainer.Mount("bind", "/data/pods/g/volume-subpaths/mem/app-c/4", "/e", false, 0, null));
    assertThatThrownBy(() -> PodConfigs.mounts(c, vols, Map.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void limitsAreTheContainersElseTheGroups() {
    GroupSpec g = group(List.of(), null, null, null);
    ContainerSpec own = container("a", 0.5, 1.0, List.of(), List.of(), null);
    ContainerSpec none = container("b", null, null, List.of(), List.of(), null);
    assertThat(PodConfigs.nanoCpus(own, g)).isEqualTo(500_000_000L);
    assertThat(PodConfigs.memoryBytes(own, g)).isEqualTo(1L << 30);
    assertThat(PodConfigs.nanoCpus(none, g)).isEqualTo(2_000_000_000L);
    assertThat(PodConfigs.memoryBytes(none, g)).isEqualTo(4L << 30);
  }

  @Test
  void quantitiesAndVolumeOptions() {
    assertThat(PodConfigs.bytes("64Mi")).isEqualTo(64L << 20);
    assertThat(PodConfigs.bytes("1.5Gi")).isEqualTo(3L << 29);
    assertThat(PodConfigs.bytes("500M")).isEqualTo(500_000_000L);
    assertThat(PodConfigs.bytes("1024")).isEqualTo(1024L);
    GroupSpec g = group(List.of(), null, null, null);
    assertThat(PodConfigs.tmpfsOptions(new VolumeSpec.EmptyDir("m", "Memory", "16Mi"), g))
        .containsEntry("type", "tmpfs").containsEntry("o", "nr_blocks=4096");
    assertThat(PodConfigs.tmpfsOptions(new VolumeSpec.EmptyDir("m", "Memory", null), g))
        .containsEntry("o", "nr_blocks=" + ((4L << 30) / 4096));
    assertThat(PodConfigs.nfsOptions(new VolumeSpec.Nfs("n", "10.0.0.2", "/export", true)))
        .isEqualTo(Map.of("type", "nfs", "device", ":/export", "o", "addr=10.0.0.2,ro"));
    VolumeSpec.ConfigFile cfg = new VolumeSpec.ConfigFile("c", 288, List.of());
    assertThat(PodConfigs.fileMode(cfg, new VolumeSpec.ConfigFile.File("a", "", null))).isEqualTo(0440);
    assertThat(PodConfigs.fileMode(cfg, new VolumeSpec.ConfigFile.File("a", "", 493))).isEqualTo(0755);
    assertThat(PodConfigs.fileMode(new VolumeSpec.ConfigFile("c", null, List.of()),
        new VolumeSpec.ConfigFile.File("a", "", null))).isEqualTo(0644);
    // A SizeLimit above the group's memory is capped at it (the group has 4 GiB here).
    assertThat(PodConfigs.tmpfsOptions(new VolumeSpec.EmptyDir("m", "Memory", "64Gi"), g))
        .containsEntry("o", "nr_blocks=" + ((4L << 30) / 4096));
    // A DiskId names a disk of one account in one region: the same DiskId of another account is another volume.
    String a = PodConfigs.diskVolumeName("srv1", "acct-a", "cn-hangzhou", "d-42");
    assertThat(a).matches("openeci-disk-[0-9a-f]{16}-d-42");
    assertThat(PodConfigs.diskVolumeName("srv1", "acct-b", "cn-hangzhou", "d-42")).isNotEqualTo(a);
    assertThat(PodConfigs.diskVolumeName("srv1", "acct-a", "cn-beijing", "d-42")).isNotEqualTo(a);
    assertThat(PodConfigs.diskVolumeName("srv2", "acct-a", "cn-hangzhou", "d-42")).as("another openeci server")
        .isNotEqualTo(a);
    assertThat(PodConfigs.diskVolumeName("srv1", "acct-a", "cn-hangzhou", "d-42")).isEqualTo(a);
    assertThat(PodConfigs.volumeName("eci-1", new VolumeSpec.Disk("d", null, 20, null))).isEqualTo("openeci-eci-1-d");
    assertThat(PodConfigs.volumeName("eci-1", new VolumeSpec.Flex("f", "x", null, null))).isEqualTo("openeci-eci-1-f");
  }

  @Test
  void filePermissionBits() {
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(PodVolumes.perms(0440))).isEqualTo("r--r-----");
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(PodVolumes.perms(0755))).isEqualTo("rwxr-xr-x");
  }
}
