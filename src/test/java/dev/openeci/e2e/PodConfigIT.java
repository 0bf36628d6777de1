package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aliyun.tea.TeaException;
import dev.openeci.testing.TestEngine;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5, items 1-5: the pod configuration is true inside the containers. Every test creates
 * groups through the official Tea client and reads the effect from inside a container
 * (ExecContainerCommand Sync=true, or the container's log). Kernel-dependent behaviour (NFS, tc)
 * is probed and the documented outcome for this kernel is asserted (docs/pod-config.md).
 */
class PodConfigIT {
  static final String SLEEP = "trap 'exit 0' TERM; sleep 3600 & wait";

  @TempDir
  static Path dataDir;
  @TempDir
  static Path hostDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;
  static String image;
  final List<String> created = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    image = TestEngine.busyboxImage();
    server = new ServerProcess(dataDir, TestEngine.endpoint())
        .withArgs("--allow-host-path", hostDir.toString(), "--allow-privileged", "--publish-address", "127.0.0.1")
        .start();
    SdkEndToEndIT.server = server; // its log in await() failures
    SdkEndToEndIT.engine = TestEngine.runtime();
    client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
  }

  @AfterEach
  void deleteGroups() {
    for (String id : created) {
      try {
        EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
      } catch (Exception e) {
        // already gone
      }
    }
    for (String id : created) SdkEndToEndIT.awaitNoContainers(id);
  }

  // --- item 1: volumes ------------------------------------------------------------------------------

  @Test
  void volumesAreSharedWrittenAndMountedAsAsked() throws Exception {
    Files.writeString(hostDir.resolve("hello.txt"), "from the host\n");
    String diskId = "d-" + SdkEndToEndIT.shortId();
    Map<String, Object> q = group("vol");
    q.put("Volume.1.Name", "shared");
    q.put("Volume.1.Type", "EmptyDirVolume");
    q.put("Volume.2.Name", "mem");
    q.put("Volume.2.Type", "EmptyDirVolume");
    q.put("Volume.2.EmptyDirVolume.Medium", "Memory");
    q.put("Volume.2.EmptyDirVolume.SizeLimit", "16Mi");
    q.put("Volume.3.Name", "cfg");
    q.put("Volume.3.Type", "ConfigFileVolume");
    q.put("Volume.3.ConfigFileVolume.DefaultMode", 288); // 0440
    q.put("Volume.3.ConfigFileVolume.ConfigFileToPath.1.Path", "a.conf");
    q.put("Volume.3.ConfigFileVolume.ConfigFileToPath.1.Content", b64("alpha=1\n"));
    q.put("Volume.3.ConfigFileVolume.ConfigFileToPath.2.Path", "sub/b.sh");
    q.put("Volume.3.ConfigFileVolume.ConfigFileToPath.2.Content", b64("#!/bin/sh\necho b\n"));
    q.put("Volume.3.ConfigFileVolume.ConfigFileToPath.2.Mode", 493); // 0755
    q.put("Volume.4.Name", "host");
    q.put("Volume.4.Type", "HostPathVolume");
    q.put("Volume.4.HostPathVolume.Path", hostDir.toString());
    q.put("Volume.4.HostPathVolume.Type", "Directory");
    q.put("Volume.5.Name", "disk");
    q.put("Volume.5.Type", "DiskVolume");
    q.put("Volume.5.DiskVolume.DiskId", diskId);
    q.put("Volume.6.Name", "flex");
    q.put("Volume.6.Type", "FlexVolume");
    q.put("Volume.6.FlexVolume.Driver", "alicloud/disk");
    container(q, 1, "writer", SLEEP);
    mount(q, "Container.1.", 1, "shared", "/shared", null, false, null);
    mount(q, "Container.1.", 2, "mem", "/mem", null, false, null);
    mount(q, "Container.1.", 3, "cfg", "/cfg", null, false, null);
    mount(q, "Container.1.", 4, "host", "/host", null, true, "HostToContainer");
    mount(q, "Container.1.", 5, "disk", "/disk", null, false, null);
    mount(q, "Container.1.", 6, "flex", "/flex", null, false, null);
    mount(q, "Container.1.", 7, "shared", "/sub", "part", false, null);
    mount(q, "Container.1.", 8, "host", "/host2", null, false, "Bidirectional");
    container(q, 2, "reader", SLEEP);
    mount(q, "Container.2.", 1, "shared", "/data", null, false, null);
    mount(q, "Container.2.", 2, "mem", "/mem", null, true, null);
    String id = create(q);
    SdkEndToEndIT.awaitStatus(client, id, "Running");
    try {
      // EmptyDir (disk and memory) is shared by the group's containers; SubPath is a directory of it.
      assertThat(exec(id, "writer", "echo hi > /shared/x && echo m > /mem/y && echo s > /sub/z && echo ok"))
          .isEqualTo("ok\n");
      assertThat(exec(id, "reader", "cat /data/x /mem/y /data/part/z")).isEqualTo("hi\nm\ns\n");
      // Medium=Memory: a tmpfs of SizeLimit; ReadOnly mounts refuse writes.
      assertThat(exec(id, "writer", "grep ' /mem ' /proc/mounts | cut -d' ' -f3; df -k /mem | tail -1 | awk '{print $2}'"))
          .isEqualTo("tmpfs\n16384\n");
      assertThat(exec(id, "reader", "touch /mem/no 2>/dev/null && echo writable || echo read-only"))
          .isEqualTo("read-only\n");
      // ConfigFileVolume: content, Mode and DefaultMode exactly; read-only.
      assertThat(exec(id, "writer", "cat /cfg/a.conf; stat -c '%a %n' /cfg/a.conf /cfg/sub/b.sh; /cfg/sub/b.sh;"
          + " touch /cfg/new 2>/dev/null && echo writable || echo read-only"))
          .isEqualTo("alpha=1\n440 /cfg/a.conf\n755 /cfg/sub/b.sh\nb\nread-only\n");
      // HostPathVolume (allowed prefix), DiskVolume and FlexVolume (named engine volumes).
      assertThat(exec(id, "writer", "cat /host/hello.txt; echo d > /disk/f && cat /disk/f; echo f > /flex/f && cat /flex/f"))
          .isEqualTo("from the host\nd\nf\n");
      // MountPropagation: None = private, HostToContainer = slave, Bidirectional = shared (mountinfo tags).
      String mountinfo = exec(id, "writer", "cat /proc/self/mountinfo");
      assertThat(line(mountinfo, " /shared ")).doesNotContain("shared:").doesNotContain("master:");
      assertThat(line(mountinfo, " /host ")).contains("master:");
      assertThat(line(mountinfo, " /host2 ")).contains("shared:");
      Path groupDir = dataDir.resolve("pods").resolve(id);
      assertThat(groupDir.resolve("volumes/shared/x")).hasContent("hi");

      // A host path outside the allowed prefixes: 403, nothing created.
      Map<String, Object> bad = group("hostpath");
      container(bad, 1, "app", SLEEP);
      bad.put("Volume.1.Name", "etc");
      bad.put("Volume.1.Type", "HostPathVolume");
      bad.put("Volume.1.HostPathVolume.Path", "/etc");
      assertThatThrownBy(() -> EciClients.call(client, "CreateContainerGroup", bad))
          .isInstanceOfSatisfying(TeaException.class, e -> {
            assertThat(e.getCode()).isEqualTo("Forbidden.HostPath");
            assertThat(e.getStatusCode()).isEqualTo(403);
          });

      // Deleting the group removes its directories and engine volumes (a DiskVolume's disk stays).
      EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
      SdkEndToEndIT.awaitNoContainers(id);
      SdkEndToEndIT.await(() -> Files.exists(groupDir) ? null : true, "removal of " + groupDir);
    } finally {
      deleteGroups();
      TestEngine.runtime().removeVolumes(Map.of("openeci.disk-id", diskId));
    }
  }

  @Test
  void nfsVolumeMountsOrFailsWithFailedMount() throws Exception {
    boolean kernelNfs = Files.readString(Path.of("/proc/filesystems")).lines().anyMatch(l -> l.trim().endsWith("nfs"));
    Map<String, Object> q = group("nfs");
    q.put("Volume.1.Name", "share");
    q.put("Volume.1.Type", "NFSVolume");
    q.put("Volume.1.NFSVolume.Server", "127.0.0.1"); // no NFS server listens here
    q.put("Volume.1.NFSVolume.Path", "/export");
    q.put("Volume.1.NFSVolume.ReadOnly", true);
    container(q, 1, "app", SLEEP);
    mount(q, "Container.1.", 1, "share", "/share", null, false, null);
    String id = create(q);
    // Either way (no nfs in this kernel, or no server), the mount fails: a FailedMount Warning,
    // the container waits and nothing runs.
    Map<String, Object> event = SdkEndToEndIT.await(() -> events(id).stream()
        .filter(e -> "FailedMount".equals(e.get("Reason"))).findFirst().orElse(null), "FailedMount of " + id);
    assertThat(event.get("Type")).isEqualTo("Warning");
    assertThat((String) event.get("Message")).startsWith("MountVolume.SetUp failed:");
    if (!kernelNfs) assertThat((String) event.get("Message")).contains("nfs");
    if (((String) event.get("Message")).contains("unknown filesystem type")) {
      // The kernel cannot mount NFS at all (this machine): no retry can help, the group fails.
      Map<String, Object> g = SdkEndToEndIT.awaitGroup(client, id, x -> "Failed".equals(x.get("Status")),
          "the group to fail", server::logText);
      assertThat(state(g, "app").get("State")).as("the container never ran").isNotEqualTo("Running");
      assertThat(TestEngine.runtime().list(Map.of(dev.openeci.runtime.Labels.GROUP_ID, id,
          dev.openeci.runtime.Labels.ROLE, dev.openeci.runtime.Labels.ROLE_APP))).isEmpty();
    } else {
      // NFS is there but no server answers: the mount is retried under the back-off, the group waits.
      Map<String, Object> g = SdkEndToEndIT.describe(client, id).get(0);
      assertThat(g.get("Status")).isEqualTo("Pending");
      Map<String, Object> state = state(g, "app");
      assertThat(state.get("State")).isEqualTo("Waiting");
      assertThat((String) state.get("DetailStatus") + state.get("Reason")).contains("ContainerCreating");
    }
  }

  // --- item 2: environment --------------------------------------------------------------------------

  @Test
  void environmentCommandArgsWorkingDirAndTerminals() throws Exception {
    String tricky = "  a = b \"q\" $HOME 'x' é  ";
    Map<String, Object> q = group("env");
    q.put("Container.1.Name", "main");
    q.put("Container.1.Image", image);
    q.put("Container.1.Command.1", "/bin/sh");
    q.put("Container.1.Command.2", "-c");
    q.put("Container.1.Arg.1", "echo \"args:$0:$1\"; readlink /proc/self/fd/0; [ -t 1 ] && echo stdout-is-tty; " + SLEEP);
    q.put("Container.1.Arg.2", "first");
    q.put("Container.1.Arg.3", "second");
    q.put("Container.1.WorkingDir", "/tmp/work");
    q.put("Container.1.EnvironmentVar.1.Key", "TRICKY");
    q.put("Container.1.EnvironmentVar.1.Value", tricky);
    q.put("Container.1.EnvironmentVar.2.Key", "EMPTY");
    q.put("Container.1.EnvironmentVar.2.Value", "");
    q.put("Container.1.EnvironmentVar.3.Key", "MY_IP");
    q.put("Container.1.EnvironmentVar.3.FieldRef.FieldPath", "status.podIP");
    q.put("Container.1.Tty", true);
    q.put("Container.1.Stdin", true);
    // Arg without Command: the image's entrypoint (none here) with Arg as its cmd.
    q.put("Container.2.Name", "argsonly");
    q.put("Container.2.Image", image);
    q.put("Container.2.Arg.1", "/bin/sh");
    q.put("Container.2.Arg.2", "-c");
    q.put("Container.2.Arg.3", "readlink /proc/self/fd/0; echo from-args; " + SLEEP);
    String id = create(q);
    Map<String, Object> g = SdkEndToEndIT.awaitStatus(client, id, "Running");
    String ip = (String) g.get("IntranetIp");
    assertThat(ip).isNotBlank();
    assertThat(exec(id, "main", "printf '[%s][%s][%s]' \"$TRICKY\" \"$EMPTY\" \"$MY_IP\"; echo; pwd; env | grep -c '^EMPTY=$'"))
        .isEqualTo("[" + tricky + "][][" + ip + "]\n/tmp/work\n1\n");
    String log = SdkEndToEndIT.await(() -> {
      String l = logOf(id, "main");
      return l.contains("stdout-is-tty") ? l : null;
    }, "main's log");
    assertThat(log.replace("\r", "")).contains("args:first:second\n").containsPattern("/dev/pts/\\d+\n");
    String argsOnly = SdkEndToEndIT.await(() -> {
      String l = logOf(id, "argsonly");
      return l.contains("from-args") ? l : null;
    }, "argsonly's log");
    // Without Stdin/Tty the main process's stdin is not a terminal.
    assertThat(argsOnly).doesNotContain("/dev/pts/").endsWith("from-args\n");
  }

  @Test
  void commandReplacesTheEntrypointArgTheCmd() throws Exception {
    String ep = TestEngine.entrypointImage(); // ENTRYPOINT ["/bin/echo","ep:"], CMD ["image-cmd"]
    Map<String, Object> q = group("cmd");
    q.put("RestartPolicy", "Never");
    q.put("Container.1.Name", "neither");
    q.put("Container.1.Image", ep);
    q.put("Container.2.Name", "argonly");
    q.put("Container.2.Image", ep);
    q.put("Container.2.Arg.1", "mine");
    q.put("Container.2.Arg.2", "two words");
    q.put("Container.3.Name", "commandonly");
    q.put("Container.3.Image", ep);
    q.put("Container.3.Command.1", "/bin/echo");
    q.put("Container.3.Command.2", "replaced");
    q.put("Container.4.Name", "both");
    q.put("Container.4.Image", ep);
    q.put("Container.4.Command.1", "/bin/echo");
    q.put("Container.4.Arg.1", "cmd+arg");
    String id = create(q);
    SdkEndToEndIT.awaitStatus(client, id, "Succeeded");
    assertThat(logOf(id, "neither")).isEqualTo("ep: image-cmd\n");
    assertThat(logOf(id, "argonly")).isEqualTo("ep: mine two words\n");
    assertThat(logOf(id, "commandonly")).isEqualTo("replaced\n");
    assertThat(logOf(id, "both")).isEqualTo("cmd+arg\n");
  }

  // --- item 3: networking and names -----------------------------------------------------------------

  @Test
  @SuppressWarnings("unchecked")
  void namesDnsHostsPublishedPortsAndBandwidth() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Map<String, Object> q = group("net");
    q.put("HostName", "pod-host");
    q.put("DnsPolicy", "None");
    q.put("DnsConfig.NameServer.1", "10.0.0.53");
    q.put("DnsConfig.Search.1", "openeci.local");
    q.put("DnsConfig.Option.1.Name", "ndots");
    q.put("DnsConfig.Option.1.Value", "2");
    q.put("HostAliase.1.Ip", "10.1.2.3");
    q.put("HostAliase.1.Hostname.1", "app.local");
    q.put("HostAliase.1.Hostname.2", "db.local");
    q.put("AutoCreateEip", true);
    q.put("IngressBandwidth", 1024000L);
    q.put("EgressBandwidth", 2048000L);
    container(q, 1, "web", "mkdir -p /tmp/www; echo published > /tmp/www/index.html; trap 'exit 0' TERM;"
        + " httpd -f -p " + port + " -h /tmp/www & wait");
    q.put("Container.1.Port.1.Port", port);
    q.put("Container.1.Port.1.Protocol", "TCP");
    container(q, 2, "side", SLEEP);
    String id = create(q);
    Map<String, Object> g = SdkEndToEndIT.awaitStatus(client, id, "Running");
    String ip = (String) g.get("IntranetIp");
    assertThat(g.get("InternetIp")).isEqualTo("127.0.0.1");
    for (String c : List.of("web", "side")) {
      assertThat(exec(id, c, "hostname")).isEqualTo("pod-host\n");
      String resolv = exec(id, c, "cat /etc/resolv.conf");
      assertThat(resolv).contains("nameserver 10.0.0.53").contains("search openeci.local").contains("ndots:2");
      assertThat(exec(id, c, "grep -c 10.0.0.53 /etc/resolv.conf; grep nameserver /etc/resolv.conf | wc -l"))
          .isEqualTo("1\n1\n");
      assertThat(exec(id, c, "grep 10.1.2.3 /etc/hosts")).contains("app.local").contains("db.local");
    }
    // The port answers on the group's IP and, published, on the InternetIp.
    assertThat(SdkEndToEndIT.httpGet("http://" + ip + ":" + port + "/")).isEqualTo("published\n");
    assertThat(SdkEndToEndIT.await(() -> {
      try {
        return SdkEndToEndIT.httpGet("http://127.0.0.1:" + port + "/");
      } catch (Exception e) {
        return null;
      }
    }, "published port " + port)).isEqualTo("published\n");

    // Bandwidth: shaped with tc where the host can, else a Warning saying why (never silent).
    List<Map<String, Object>> ev = SdkEndToEndIT.await(() -> {
      List<Map<String, Object>> e = events(id);
      return e.stream().anyMatch(x -> "BandwidthApplied".equals(x.get("Reason"))
          || "BandwidthNotApplied".equals(x.get("Reason"))) ? e : null;
    }, "bandwidth events of " + id);
    System.out.println("bandwidth events of " + id + ": " + ev.stream().map(x -> x.get("Reason") + ": "
        + x.get("Message")).filter(x -> x.startsWith("Bandwidth")).toList());
    String applied = ev.stream().filter(x -> "BandwidthApplied".equals(x.get("Reason")))
        .map(x -> (String) x.get("Message")).findFirst().orElse("");
    if (applied.contains("egress")) {
      assertThat(applied).contains("egress 2048000 B/s on eth0");
      assertThat(exec(id, "side", "tc qdisc show dev eth0")).contains("tbf");
    }
    if (applied.contains("ingress")) {
      assertThat(applied).containsPattern("ingress 1024000 B/s on host \\S+");
    }
    if (!applied.contains("egress") || !applied.contains("ingress")) {
      assertThat(ev).anySatisfy(x -> {
        assertThat(x.get("Reason")).isEqualTo("BandwidthNotApplied");
        assertThat(x.get("Type")).isEqualTo("Warning");
      });
    }
  }

  // --- item 4: security context ---------------------------------------------------------------------

  @Test
  void securityContextUsersCapabilitiesPrivilegedSysctlsAndSharedPids() throws Exception {
    Map<String, Object> q = group("sec");
    q.put("ShareProcessNamespace", true);
    q.put("SecurityContext.Sysctl.1.Name", "net.core.somaxconn");
    q.put("SecurityContext.Sysctl.1.Value", "1234");
    q.put("HostSecurityContext.Sysctl.1.Name", "kernel.shm_rmid_forced");
    q.put("HostSecurityContext.Sysctl.1.Value", "1");
    container(q, 1, "user", "trap 'exit 0' TERM; sleep 3601 & wait");
    q.put("Container.1.SecurityContext.RunAsUser", 1000);
    q.put("Container.1.SecurityContextRunAsGroup", 3000);
    q.put("Container.1.SecurityContextRunAsNonRoot", true);
    q.put("Container.1.SecurityContext.ReadOnlyRootFilesystem", true);
    q.put("Container.1.SecurityContext.Capability.Add.1", "NET_ADMIN");
    q.put("Container.1.SecurityContext.Capability.Add.2", "NET_RAW");
    container(q, 2, "priv", SLEEP);
    q.put("Container.2.SecurityContextPrivileged", true);
    container(q, 3, "plain", SLEEP);
    String id = create(q);
    SdkEndToEndIT.awaitStatus(client, id, "Running");
    assertThat(exec(id, "user", "id -u; id -g; touch /rootfs-file 2>/dev/null && echo writable || echo read-only"))
        .isEqualTo("1000\n3000\nread-only\n");
    long userBounding = caps(exec(id, "user", "grep CapBnd /proc/self/status"));
    assertThat(userBounding & (1L << 12)).as("CAP_NET_ADMIN").isNotZero();
    assertThat(userBounding & (1L << 13)).as("CAP_NET_RAW").isNotZero();
    long plainBounding = caps(exec(id, "plain", "grep CapBnd /proc/self/status"));
    assertThat(plainBounding & (1L << 12)).as("no CAP_NET_ADMIN by default").isZero();
    assertThat(plainBounding & (1L << 21)).as("no CAP_SYS_ADMIN by default").isZero();
    long privEffective = caps(exec(id, "priv", "grep CapEff /proc/self/status"));
    assertThat(privEffective & (1L << 21)).as("privileged has CAP_SYS_ADMIN").isNotZero();
    assertThat(exec(id, "plain", "cat /proc/sys/net/core/somaxconn /proc/sys/kernel/shm_rmid_forced"))
        .isEqualTo("1234\n1\n");
    // ShareProcessNamespace: one PID namespace; "plain" sees "user"'s sleep.
    assertThat(exec(id, "plain", "ps -o args")).contains("sleep 3601");

    // RunAsNonRoot with an image that runs as root: never started, a clear reason.
    Map<String, Object> root = group("nonroot");
    container(root, 1, "app", SLEEP);
    root.put("Container.1.SecurityContextRunAsNonRoot", true);
    String rootId = create(root);
    Map<String, Object> waiting = SdkEndToEndIT.await(() -> {
      try {
        Map<String, Object> s = state(SdkEndToEndIT.describe(client, rootId).get(0), "app");
        return "CreateContainerConfigError".equals(s.get("Reason")) ? s : null;
      } catch (Exception e) {
        return null;
      }
    }, "CreateContainerConfigError of " + rootId);
    assertThat(waiting.get("State")).isEqualTo("Waiting");
    assertThat((String) waiting.get("Message")).contains("runAsNonRoot and image will run as root");
    assertThat(events(rootId)).anySatisfy(e -> {
      assertThat(e.get("Type")).isEqualTo("Warning");
      assertThat((String) e.get("Message")).contains("runAsNonRoot");
    });
    assertThat(SdkEndToEndIT.describe(client, rootId).get(0).get("Status")).isEqualTo("Pending");
    assertThat(SdkEndToEndIT.containerIds(rootId)).hasSize(1); // only the sandbox

    // A non-namespaced host sysctl is refused on any server.
    Map<String, Object> sysctl = group("sysctl");
    container(sysctl, 1, "app", SLEEP);
    sysctl.put("HostSecurityContext.Sysctl.1.Name", "vm.min_free_kbytes");
    sysctl.put("HostSecurityContext.Sysctl.1.Value", "65536");
    assertThatThrownBy(() -> EciClients.call(client, "CreateContainerGroup", sysctl))
        .isInstanceOfSatisfying(TeaException.class, e -> {
          assertThat(e.getCode()).isEqualTo("Forbidden.HostSysctl");
          assertThat(e.getStatusCode()).isEqualTo(403);
        });

    // A server without --allow-privileged refuses privileged containers (403, nothing created).
    try (ServerProcess strict = new ServerProcess(Files.createTempDirectory(dataDir, "strict"),
        TestEngine.endpoint()).start()) {
      var strictClient = EciClients.tea(strict.endpoint(), ServerProcess.ACCESS_KEY_ID,
          ServerProcess.ACCESS_KEY_SECRET, false);
      Map<String, Object> p = group("privileged");
      container(p, 1, "app", SLEEP);
      p.put("Container.1.SecurityContextPrivileged", true);
      assertThatThrownBy(() -> EciClients.call(strictClient, "CreateContainerGroup", p))
          .isInstanceOfSatisfying(TeaException.class, e -> {
            assertThat(e.getCode()).isEqualTo("Forbidden.Privileged");
            assertThat(e.getStatusCode()).isEqualTo(403);
          });
      Map<String, Object> all = EciClients.call(strictClient, "DescribeContainerGroups", Map.of("RegionId", "cn-hangzhou"));
      assertThat(SdkEndToEndIT.asList(all.get("ContainerGroups"))).isEmpty();
    }
  }

  // --- item 5: resources ----------------------------------------------------------------------------

  @Test
  void cpuAndMemoryLimitsAreVisibleInsideAndGpuIsHonest() throws Exception {
    Map<String, Object> q = group("res");
    q.put("Cpu", 2.0);
    q.put("Memory", 4.0);
    container(q, 1, "limited", SLEEP);
    q.put("Container.1.Cpu", 0.5);
    q.put("Container.1.Memory", 1.0);
    container(q, 2, "unlimited", SLEEP);
    String id = create(q);
    SdkEndToEndIT.awaitStatus(client, id, "Running");
    String read = "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes;"
        + " cat /sys/fs/cgroup/cpu.max 2>/dev/null"
        + " || echo \"$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)\"";
    assertThat(exec(id, "limited", read)).isEqualTo((1L << 30) + "\n50000 100000\n");
    // A container without its own Cpu/Memory gets the group's: it can never exceed the group.
    assertThat(exec(id, "unlimited", read)).isEqualTo((4L << 30) + "\n200000 100000\n");

    if (!Files.exists(Path.of("/dev/nvidia0"))) {
      Map<String, Object> gpu = group("gpu");
      container(gpu, 1, "cuda", SLEEP);
      gpu.put("Container.1.Gpu", 1);
      String gpuId = create(gpu);
      Map<String, Object> s = SdkEndToEndIT.await(() -> {
        try {
          Map<String, Object> st = state(SdkEndToEndIT.describe(client, gpuId).get(0), "cuda");
          return "Unschedulable".equals(st.get("Reason")) ? st : null;
        } catch (Exception e) {
          return null;
        }
      }, "Unschedulable of " + gpuId);
      assertThat((String) s.get("Message")).contains("Insufficient nvidia.com/gpu");
      assertThat(events(gpuId)).anySatisfy(e -> assertThat(e.get("Reason")).isEqualTo("FailedScheduling"));
    }
  }

  // --- helpers ----------------------------------------------------------------------------------------

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  static String line(String text, String containing) {
    return text.lines().filter(l -> l.contains(containing)).findFirst()
        .orElseThrow(() -> new AssertionError("no line with \"" + containing + "\" in:\n" + text));
  }

  static long caps(String statusLine) {
    return Long.parseUnsignedLong(statusLine.trim().split("\\s+")[1], 16);
  }

  static Map<String, Object> group(String prefix) {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupName", prefix + "-" + SdkEndToEndIT.shortId());
    q.put("RestartPolicy", "Always");
    q.put("TerminationGracePeriodSeconds", 2);
    return q;
  }

  static void container(Map<String, Object> q, int n, String name, String script) {
    String p = "Container." + n + ".";
    q.put(p + "Name", name);
    q.put(p + "Image", image);
    q.put(p + "Command.1", "/bin/sh");
    q.put(p + "Arg.1", "-c");
    q.put(p + "Arg.2", script);
  }

  static void mount(Map<String, Object> q, String prefix, int n, String volume, String path, String subPath,
      boolean readOnly, String propagation) {
    String p = prefix + "VolumeMount." + n + ".";
    q.put(p + "Name", volume);
    q.put(p + "MountPath", path);
    if (subPath != null) q.put(p + "SubPath", subPath);
    if (readOnly) q.put(p + "ReadOnly", true);
    if (propagation != null) q.put(p + "MountPropagation", propagation);
  }

  String create(Map<String, Object> q) throws Exception {
    String id = (String) EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");
    created.add(id);
    return id;
  }

  static String exec(String id, String container, String script) throws Exception {
    String command = new com.fasterxml.jackson.databind.ObjectMapper()
        .writeValueAsString(List.of("/bin/sh", "-c", script));
    Map<String, Object> r = EciClients.call(client, "ExecContainerCommand", Map.of("RegionId", "cn-hangzhou",
        "ContainerGroupId", id, "ContainerName", container, "Command", command, "Sync", "true"));
    return (String) r.get("SyncResponse");
  }

  static String logOf(String id, String container) {
    try {
      return (String) EciClients.call(client, "DescribeContainerLog", Map.of("RegionId", "cn-hangzhou",
          "ContainerGroupId", id, "ContainerName", container)).get("Content");
    } catch (Exception e) {
      return "";
    }
  }

  static List<Map<String, Object>> events(String id) {
    try {
      return SdkEndToEndIT.asList(SdkEndToEndIT.describe(client, id).get(0).get("Events"));
    } catch (Exception e) {
      return List.of();
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> state(Map<String, Object> group, String container) {
    for (Map<String, Object> c : (List<Map<String, Object>>) group.get("Containers")) {
      if (container.equals(c.get("Name"))) return (Map<String, Object>) c.get("CurrentState");
    }
    throw new AssertionError("no container " + container + " in " + group);
  }
}
