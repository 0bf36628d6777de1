package dev.openeci.backend.kubernetes;

import static dev.openeci.backend.kubernetes.Specs.GID;
import static dev.openeci.backend.kubernetes.Specs.c;
import static dev.openeci.backend.kubernetes.Specs.group;
import static dev.openeci.backend.kubernetes.Specs.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.error.ApiException;
import dev.openeci.config.PodPolicy;
import dev.openeci.group.Action;
import dev.openeci.group.ContainerSecurity;
import dev.openeci.group.EnvVar;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.PodOptions;
import dev.openeci.group.Probe;
import dev.openeci.group.PullPolicy;
import dev.openeci.group.RestartPolicy;
import dev.openeci.group.VolumeMount;
import dev.openeci.group.VolumeSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PodMapperTest {
  static final KubernetesOptions OPTS = KubernetesOptions.defaults("inst-1", PodPolicy.DEFAULT);
  static final long GiB = 1L << 30;

  record Row(String name, GroupSpec spec, KubernetesOptions opts, Consumer<PodObjects> check) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Row row(String name, UnaryOperator<Specs.G> spec, Consumer<PodObjects> check) {
    return new Row(name, spec.apply(spec()).build(), OPTS, check);
  }

  static Row row(String name, UnaryOperator<Specs.G> spec, KubernetesOptions opts, Consumer<PodObjects> check) {
    return new Row(name, spec.apply(spec()).build(), opts, check);
  }

  static PodSpec ps(PodObjects o) {
    return o.pod().getSpec();
  }

  static Container app(PodObjects o) {
    return o.pod().getSpec().getContainers().get(0);
  }

  static Container named(PodObjects o, String name) {
    return Stream.concat(ps(o).getContainers().stream(), ps(o).getInitContainers().stream())
        .filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
  }

  static Map<String, String> q(Map<String, Quantity> m) {
    Map<String, String> out = new LinkedHashMap<>();
    if (m != null) m.forEach((k, v) -> out.put(k, v.toString()));
    return out;
  }

  static Volume vol(PodObjects o, String name) {
    return ps(o).getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
  }

  static Stream<Row> rows() {
    PodPolicy privileged = new PodPolicy(List.of("/srv/data"), true, null);
    KubernetesOptions withClass = OPTS.withStorageClass("fast");
    KubernetesOptions.NodeMap nodeMap = KubernetesOptions.NodeMap.parse("""
        {"default": {"nodeSelector": {"pool": "eci"}},
         "instanceTypes": {"ecs.gn6i-c4g1.xlarge": {"nodeSelector": {"gpu": "t4"}}},
         "spotStrategies": {"SpotAsPriceGo": {"nodeSelector": {"lifecycle": "spot"},
            "tolerations": [{"key": "spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"}]}},
         "zones": {"cn-hangzhou-b": {"nodeSelector": {"topology.kubernetes.io/zone": "b"}}}}
        """);
    return Stream.of(
        row("metadata: namespace, name, labels, annotations, no service links, no token", g -> g.tag("env", "prod"),
            o -> {
              assertThat(o.namespace().getMetadata().getName()).isEqualTo(KubernetesNames.namespace("inst-1", "acct-1",
                  "cn-hangzhou"));
              assertThat(o.pod().getMetadata().getName()).isEqualTo(GID);
              assertThat(o.pod().getMetadata().getNamespace()).isEqualTo(o.namespace().getMetadata().getName());
              assertThat(o.pod().getMetadata().getLabels()).containsEntry("openeci.dev/owner", "inst-1")
                  .containsEntry("openeci.dev/group-id", GID).containsEntry("openeci.dev/spec-version", "3")
                  .containsEntry("openeci.dev/restart-generation", "2").containsEntry("openeci.dev/group-name", "web")
                  .containsEntry("tag.openeci.dev/env", "prod").containsEntry("openeci.dev/account", "acct-1");
              assertThat(o.pod().getMetadata().getAnnotations()).containsEntry("openeci.dev/group-name", "web")
                  .containsEntry("openeci.dev/tags", "{\"env\":\"prod\"}");
              assertThat(ps(o).getEnableServiceLinks()).isFalse();
              assertThat(ps(o).getAutomountServiceAccountToken()).isFalse();
              assertThat(o.configMaps()).isEmpty();
              assertThat(o.pullSecret()).isEmpty();
              assertThat(o.service()).isEmpty();
              assertThat(o.claims()).isEmpty();
            }),
        row("Command -> command (entrypoint), Arg -> args; none -> image defaults", g -> {
          Specs.C x = c("app");
          x.command = List.of("sh", "-c");
          x.args = List.of("echo hi");
          return g.container(x).container(c("plain"));
        }, o -> {
          assertThat(app(o).getCommand()).containsExactly("sh", "-c");
          assertThat(app(o).getArgs()).containsExactly("echo hi");
          assertThat(named(o, "plain").getCommand()).isEmpty();
          assertThat(named(o, "plain").getArgs()).isEmpty();
        }),
        row("env: literal, empty, FieldRef status.podIP", g -> {
          Specs.C x = c("app");
          x.env = List.of(new EnvVar("A", "1 2", null), new EnvVar("EMPTY", null, null),
              new EnvVar("IP", null, EnvVar.POD_IP));
          return g.container(x);
        }, o -> {
          var env = app(o).getEnv();
          assertThat(env).hasSize(3);
          assertThat(env.get(0).getValue()).isEqualTo("1 2");
          assertThat(env.get(1).getValue()).isEmpty();
          assertThat(env.get(2).getValue()).isNull();
          assertThat(env.get(2).getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
          assertThat(env.get(2).getValueFrom().getFieldRef().getApiVersion()).isEqualTo("v1");
        }),
        row("ports with protocol", g -> g.container(c("app").port(80, "TCP").port(53, "UDP")), o -> {
          assertThat(app(o).getPorts()).extracting(p -> p.getContainerPort() + "/" + p.getProtocol())
              .containsExactly("80/TCP", "53/UDP");
        }),
        row("resources: one container gets the group, requests = limits", g -> g, o -> {
          assertThat(q(app(o).getResources().getLimits())).containsExactly(Map.entry("cpu", "2"),
              Map.entry("memory", "4Gi"));
          assertThat(app(o).getResources().getRequests()).isEqualTo(app(o).getResources().getLimits());
        }),
        row("resources: own values kept, the rest shared, init gets the group", g -> {
          Specs.C own = c("own");
          own.cpu = 0.5;
          own.memory = 1.0;
          return g.container(own).container(c("rest")).init(c("setup"));
        }, o -> {
          assertThat(q(named(o, "own").getResources().getLimits())).containsExactly(Map.entry("cpu", "500m"),
              Map.entry("memory", "1Gi"));
          assertThat(q(named(o, "rest").getResources().getLimits())).containsExactly(Map.entry("cpu", "1500m"),
              Map.entry("memory", "3Gi"));
          assertThat(q(named(o, "setup").getResources().getRequests())).containsExactly(Map.entry("cpu", "2"),
              Map.entry("memory", "4Gi"));
        }),
        row("resources: three containers share the group evenly (rounded down)", g -> g.container(c("a"))
            .container(c("b")).container(c("c")), o -> {
          for (Container x : ps(o).getContainers()) {
            assertThat(q(x.getResources().getLimits())).containsEntry("cpu", "666m")
                .containsEntry("memory", Long.toString(4 * GiB / 3));
          }
        }),
        row("resources: --k8s-request-percent 10 requests a tenth of each limit (QoS Burstable)",
            g -> g.container(c("a")).container(c("b")), OPTS.withRequestPercent(10), o -> {
              for (Container x : ps(o).getContainers()) {
                assertThat(q(x.getResources().getLimits())).containsExactly(Map.entry("cpu", "1"),
                    Map.entry("memory", "2Gi"));
                assertThat(q(x.getResources().getRequests())).containsExactly(Map.entry("cpu", "100m"),
                    Map.entry("memory", "205Mi"));
              }
            }),
        row("GPU -> nvidia.com/gpu limits and requests", g -> {
          Specs.C x = c("app");
          x.gpu = 2;
          return g.container(x);
        }, o -> {
          assertThat(q(app(o).getResources().getLimits())).containsEntry("nvidia.com/gpu", "2");
          assertThat(q(app(o).getResources().getRequests())).containsEntry("nvidia.com/gpu", "2");
        }),
        row("probes: exec liveness with thresholds, httpGet and tcpSocket readiness", g -> {
          Specs.C x = c("app");
          x.liveness = new Probe(new Action.Exec(List.of("cat", "/ok")), 5, 7, 2, 1, 4);
          x.readiness = new Probe(new Action.HttpGet(null, 8080, "/healthz", "HTTPS", List.of()), null, null, null,
              2, null);
          Specs.C y = c("tcp");
          y.readiness = new Probe(new Action.TcpSocket(null, 9000), null, 3, null, null, null);
          return g.container(x).container(y);
        }, o -> {
          var l = app(o).getLivenessProbe();
          assertThat(l.getExec().getCommand()).containsExactly("cat", "/ok");
          assertThat(List.of(l.getInitialDelaySeconds(), l.getPeriodSeconds(), l.getTimeoutSeconds(),
              l.getSuccessThreshold(), l.getFailureThreshold())).containsExactly(5, 7, 2, 1, 4);
          var r = app(o).getReadinessProbe();
          assertThat(r.getHttpGet().getPath()).isEqualTo("/healthz");
          assertThat(r.getHttpGet().getPort().getIntVal()).isEqualTo(8080);
          assertThat(r.getHttpGet().getScheme()).isEqualTo("HTTPS");
          assertThat(r.getHttpGet().getHost()).isNull();
          assertThat(r.getSuccessThreshold()).isEqualTo(2);
          assertThat(r.getPeriodSeconds()).isNull();
          var t = named(o, "tcp").getReadinessProbe();
          assertThat(t.getTcpSocket().getPort().getIntVal()).isEqualTo(9000);
          assertThat(t.getPeriodSeconds()).isEqualTo(3);
        }),
        row("lifecycle: postStart exec, preStop httpGet with host and headers", g -> {
          Specs.C x = c("app");
          x.postStart = new Action.Exec(List.of("touch", "/started"));
          x.preStop = new Action.HttpGet("10.0.0.1", 80, "/stop", "HTTP", List.of(new Action.Header("X-A", "b")));
          Specs.C y = c("tcp");
          y.preStop = new Action.TcpSocket("127.0.0.1", 81);
          return g.container(x).container(y);
        }, o -> {
          var lc = app(o).getLifecycle();
          assertThat(lc.getPostStart().getExec().getCommand()).containsExactly("touch", "/started");
          assertThat(lc.getPreStop().getHttpGet().getHost()).isEqualTo("10.0.0.1");
          assertThat(lc.getPreStop().getHttpGet().getHttpHeaders()).extracting(h -> h.getName() + "=" + h.getValue())
              .containsExactly("X-A=b");
          assertThat(named(o, "tcp").getLifecycle().getPostStart()).isNull();
          assertThat(named(o, "tcp").getLifecycle().getPreStop().getTcpSocket().getHost()).isEqualTo("127.0.0.1");
        }),
        row("security context: user, group, non-root, read-only root, capabilities", g -> {
          Specs.C x = c("app");
          x.security = ContainerSecurity.builder().capabilityAdd(List.of("NET_ADMIN")).readOnlyRootFilesystem(true)
              .runAsUser(1000L).runAsGroup(2000L).runAsNonRoot(true).build();
          return g.container(x).container(c("bare"));
        }, o -> {
          var sc = app(o).getSecurityContext();
          assertThat(sc.getRunAsUser()).isEqualTo(1000L);
          assertThat(sc.getRunAsGroup()).isEqualTo(2000L);
          assertThat(sc.getRunAsNonRoot()).isTrue();
          assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
          assertThat(sc.getCapabilities().getAdd()).containsExactly("NET_ADMIN");
          assertThat(sc.getPrivileged()).isNull();
          assertThat(named(o, "bare").getSecurityContext()).isNull();
        }),
        row("privileged when the policy allows it", g -> {
          Specs.C x = c("app");
          x.security = ContainerSecurity.builder().privileged(true).build();
          return g.container(x);
        }, OPTS.withPodPolicy(privileged), o -> assertThat(app(o).getSecurityContext().getPrivileged()).isTrue()),
        row("tty, stdin, stdinOnce, workingDir, pull policy, termination message", g -> {
          Specs.C x = c("app");
          x.tty = true;
          x.stdin = true;
          x.stdinOnce = true;
          x.workingDir = "/work";
          x.pull = PullPolicy.Always;
          x.messagePath = "/dev/msg";
          x.messagePolicy = "FallbackToLogsOnError";
          return g.container(x).container(c("default"));
        }, o -> {
          assertThat(List.of(app(o).getTty(), app(o).getStdin(), app(o).getStdinOnce())).containsOnly(true);
          assertThat(app(o).getWorkingDir()).isEqualTo("/work");
          assertThat(app(o).getImagePullPolicy()).isEqualTo("Always");
          assertThat(app(o).getTerminationMessagePath()).isEqualTo("/dev/msg");
          assertThat(app(o).getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
          assertThat(named(o, "default").getImagePullPolicy()).isEqualTo("IfNotPresent");
          assertThat(named(o, "default").getTty()).isNull();
        }),
        row("restart policy, deadline, grace period", g -> {
          g.restart = RestartPolicy.OnFailure;
          g.deadline = 600;
          g.grace = 45;
          return g;
        }, o -> {
          assertThat(ps(o).getRestartPolicy()).isEqualTo("OnFailure");
          assertThat(ps(o).getActiveDeadlineSeconds()).isEqualTo(600L);
          assertThat(ps(o).getTerminationGracePeriodSeconds()).isEqualTo(45L);
        }),
        row("DnsPolicy None with DnsConfig, host aliases, HostName", g -> {
          g.dns = Specs.dns("None", List.of("10.0.0.10"), List.of("svc.local"),
              List.of(new PodOptions.Dns.Option("ndots", "2"), new PodOptions.Dns.Option("rotate", null)),
              List.of(new PodOptions.Dns.HostAlias("10.1.1.1", List.of("db", "db.local"))), "myhost");
          return g;
        }, o -> {
          assertThat(ps(o).getDnsPolicy()).isEqualTo("None");
          assertThat(ps(o).getDnsConfig().getNameservers()).containsExactly("10.0.0.10");
          assertThat(ps(o).getDnsConfig().getSearches()).containsExactly("svc.local");
          assertThat(ps(o).getDnsConfig().getOptions()).extracting(x -> x.getName() + "=" + x.getValue())
              .containsExactly("ndots=2", "rotate=null");
          assertThat(ps(o).getHostAliases()).singleElement().satisfies(a -> {
            assertThat(a.getIp()).isEqualTo("10.1.1.1");
            assertThat(a.getHostnames()).containsExactly("db", "db.local");
          });
          assertThat(ps(o).getHostname()).isEqualTo("myhost");
        }),
        row("DnsPolicy unset -> Default (the node's resolv.conf) plus DnsConfig; hostname from the group name",
            g -> {
              g.name = "a".repeat(62) + "-b" + "c".repeat(10);
              g.dns = Specs.dns(null, List.of("10.0.0.10"), List.of(), List.of(), List.of(), null);
              return g;
            }, o -> {
              assertThat(ps(o).getDnsPolicy()).isEqualTo("Default");
              assertThat(ps(o).getDnsConfig().getNameservers()).containsExactly("10.0.0.10");
              assertThat(ps(o).getHostname()).isEqualTo("a".repeat(62));
            }),
        row("no DNS parameters -> Default without dnsConfig, no aliases", g -> g, o -> {
          assertThat(ps(o).getDnsPolicy()).isEqualTo("Default");
          assertThat(ps(o).getDnsConfig()).isNull();
          assertThat(ps(o).getHostAliases()).isEmpty();
          assertThat(ps(o).getHostname()).isEqualTo("web");
        }),
        row("ShareProcessNamespace and sysctls (namespaced and host, merged)", g -> {
          g.security = PodOptions.Security.builder()
              .sysctls(List.of(new PodOptions.Security.Sysctl("net.core.somaxconn", "1024")))
              .hostSysctls(List.of(new PodOptions.Security.Sysctl("kernel.shm_rmid_forced", "1")))
              .shareProcessNamespace(true).build();
          return g;
        }, o -> {
          assertThat(ps(o).getShareProcessNamespace()).isTrue();
          assertThat(ps(o).getSecurityContext().getSysctls()).extracting(s -> s.getName() + "=" + s.getValue())
              .containsExactly("kernel.shm_rmid_forced=1", "net.core.somaxconn=1024");
        }),
        row("EmptyDir: Memory with SizeLimit, disk without", g -> g.volume(new VolumeSpec.EmptyDir("mem", "Memory",
            "64Mi")).volume(new VolumeSpec.EmptyDir("disk", "LocalRaid0", null)), o -> {
          assertThat(vol(o, "mem").getEmptyDir().getMedium()).isEqualTo("Memory");
          assertThat(vol(o, "mem").getEmptyDir().getSizeLimit().toString()).isEqualTo("64Mi");
          assertThat(vol(o, "disk").getEmptyDir().getMedium()).isNull();
          assertThat(vol(o, "disk").getEmptyDir().getSizeLimit()).isNull();
        }),
        row("ConfigFile -> immutable ConfigMap (binaryData, any bytes) with item paths and modes, mounted read-only",
            g -> g.volume(new VolumeSpec.ConfigFile("conf", 0440, List.of(
                new VolumeSpec.ConfigFile.File("app/config.json", b64("{\"a\":1}".getBytes(StandardCharsets.UTF_8)),
                    0600),
                new VolumeSpec.ConfigFile.File("bin.dat", b64(new byte[] {0, (byte) 0xff, (byte) 0xc3, 0x28}), null),
                new VolumeSpec.ConfigFile.File("empty", "", null)))).container(c("app").mount(
                    new VolumeMount("conf", "/etc/conf", null, false, null))), o -> {
          assertThat(o.configMaps()).hasSize(1);
          var cm = o.configMaps().get(0);
          assertThat(cm.getMetadata().getName()).matches(GID + "-config-[0-9a-f]{10}");
          assertThat(cm.getMetadata().getNamespace()).isEqualTo(o.namespace().getMetadata().getName());
          assertThat(cm.getMetadata().getLabels()).containsEntry("openeci.dev/owner", "inst-1")
              .containsEntry("openeci.dev/group-id", GID);
          assertThat(cm.getImmutable()).isTrue();
          assertThat(cm.getData()).isNullOrEmpty();
          assertThat(Base64.getDecoder().decode(cm.getBinaryData().get("file-2")))
              .containsExactly(0, 0xff, 0xc3, 0x28);
          assertThat(cm.getBinaryData().get("file-3")).isEmpty();
          var v = vol(o, "conf").getConfigMap();
          assertThat(v.getName()).isEqualTo(cm.getMetadata().getName());
          assertThat(v.getDefaultMode()).isEqualTo(0440);
          assertThat(v.getItems()).extracting(i -> i.getKey() + ">" + i.getPath() + ":" + i.getMode())
              .containsExactly("file-1>app/config.json:384", "file-2>bin.dat:null", "file-3>empty:null");
          assertThat(named(o, "app").getVolumeMounts().get(0).getReadOnly()).isTrue();
        }),
        row("NFS read-only (mounts forced read-only)", g -> g.volume(new VolumeSpec.Nfs("share", "nfs.local",
            "/exports/a", true)).container(c("app").mount(new VolumeMount("share", "/mnt", null, false, null))), o -> {
          var n = vol(o, "share").getNfs();
          assertThat(List.of(n.getServer(), n.getPath())).containsExactly("nfs.local", "/exports/a");
          assertThat(n.getReadOnly()).isTrue();
          assertThat(named(o, "app").getVolumeMounts().get(0).getReadOnly()).isTrue();
        }),
        row("HostPath under the allow-list, type kept (Directory when unset)", g -> g
            .volume(new VolumeSpec.HostPath("h", "/srv/data/x", "File"))
            .volume(new VolumeSpec.HostPath("d", "/srv/data/y", null)), OPTS.withPodPolicy(privileged), o -> {
          assertThat(vol(o, "h").getHostPath().getPath()).isEqualTo("/srv/data/x");
          assertThat(vol(o, "h").getHostPath().getType()).isEqualTo("File");
          assertThat(vol(o, "d").getHostPath().getType()).isEqualTo("Directory");
        }),
        row("Disk with DiskId -> the account's kept claim; Disk without, Flex -> the group's claims", g -> g
            .volume(new VolumeSpec.Disk("data", "d-abc123", 40, "ext4"))
            .volume(new VolumeSpec.Disk("again", "d-abc123", 40, "ext4"))
            .volume(new VolumeSpec.Disk("scratch", null, 30, null))
            .volume(new VolumeSpec.Flex("flex", "alicloud/disk", "ext4", "{\"volumeId\":\"d-1\"}")), withClass, o -> {
          assertThat(o.disks()).singleElement().satisfies(p -> {
            assertThat(p.getMetadata().getName()).isEqualTo("disk-d-abc123");
            assertThat(p.getMetadata().getLabels()).containsEntry("openeci.dev/disk-id", "d-abc123")
                .containsEntry("openeci.dev/owner", "inst-1").doesNotContainKey("openeci.dev/group-id");
            assertThat(p.getSpec().getStorageClassName()).isEqualTo("fast");
            assertThat(p.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
            assertThat(p.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("40Gi");
          });
          assertThat(o.claims()).hasSize(2);
          assertThat(o.claims().get(0).getMetadata().getName()).matches(GID + "-disk-[0-9a-f]{10}");
          assertThat(o.claims().get(0).getSpec().getResources().getRequests().get("storage").toString())
              .isEqualTo("30Gi");
          assertThat(o.claims().get(1).getMetadata().getName()).matches(GID + "-flex-[0-9a-f]{10}");
          assertThat(o.claims().get(1).getSpec().getResources().getRequests().get("storage").toString())
              .isEqualTo("20Gi");
          assertThat(o.claims()).allSatisfy(p -> assertThat(p.getMetadata().getLabels())
              .containsEntry("openeci.dev/group-id", GID));
          assertThat(vol(o, "data").getPersistentVolumeClaim().getClaimName()).isEqualTo("disk-d-abc123");
          assertThat(vol(o, "flex").getPersistentVolumeClaim().getClaimName())
              .isEqualTo(o.claims().get(1).getMetadata().getName());
          assertThat(o.owned()).hasSize(2);
        }),
        row("volume mounts: subPath, readOnly, propagation; a long volume name becomes v-<hash>", g -> g
            .volume(new VolumeSpec.EmptyDir("x".repeat(70), null, null))
            .container(c("app").mount(new VolumeMount("x".repeat(70), "/data", "sub/dir", true, "HostToContainer"))),
            o -> {
              var m = app(o).getVolumeMounts().get(0);
              assertThat(m.getName()).matches("v-[0-9a-f]{16}");
              assertThat(ps(o).getVolumes().get(0).getName()).isEqualTo(m.getName());
              assertThat(m.getMountPath()).isEqualTo("/data");
              assertThat(m.getSubPath()).isEqualTo("sub/dir");
              assertThat(m.getReadOnly()).isTrue();
              assertThat(m.getMountPropagation()).isEqualTo("HostToContainer");
            }),
        row("Bidirectional propagation in a privileged container", g -> {
          Specs.C x = c("app").mount(new VolumeMount("e", "/e", null, false, "Bidirectional"));
          x.security = ContainerSecurity.builder().privileged(true).build();
          return g.volume(new VolumeSpec.EmptyDir("e", null, null)).container(x);
        }, OPTS.withPodPolicy(privileged), o -> assertThat(app(o).getVolumeMounts().get(0).getMountPropagation())
            .isEqualTo("Bidirectional")),
        row("registry credentials -> one dockerconfigjson Secret + imagePullSecrets", g -> {
          g.images = PodOptions.Images.builder().credentials(List.of(
              new PodOptions.Images.RegistryCredential("registry.example.com:5000", "u", "p@ss"),
              new PodOptions.Images.RegistryCredential("docker.io", "hub", "x"))).build();
          return g;
        }, o -> {
          var s = o.pullSecret().orElseThrow();
          assertThat(s.getType()).isEqualTo("kubernetes.io/dockerconfigjson");
          assertThat(s.getMetadata().getName()).matches(GID + "-pull-[0-9a-f]{10}");
          JsonNode json = readJson(Base64.getDecoder().decode(s.getData().get(".dockerconfigjson")));
          JsonNode a = json.get("auths").get("registry.example.com:5000");
          assertThat(a.get("username").asText()).isEqualTo("u");
          assertThat(a.get("password").asText()).isEqualTo("p@ss");
          assertThat(new String(Base64.getDecoder().decode(a.get("auth").asText()), StandardCharsets.UTF_8))
              .isEqualTo("u:p@ss");
          assertThat(json.get("auths").has("https://index.docker.io/v1/")).isTrue();
          assertThat(ps(o).getImagePullSecrets()).extracting(r -> r.getName()).containsExactly(
              s.getMetadata().getName());
          assertThat(o.toString()).doesNotContain("p@ss");
        }),
        row("AutoCreateEip + ports -> NodePort Service selecting the group id", g -> {
          g.network = Specs.network(null, true, null, null);
          return g.container(c("app").port(80, "TCP").port(53, "UDP")).container(c("side").port(80, "TCP"));
        }, o -> {
          var svc = o.service().orElseThrow();
          assertThat(svc.getSpec().getType()).isEqualTo("NodePort");
          assertThat(svc.getSpec().getSelector()).isEqualTo(Map.of("openeci.dev/group-id", GID));
          assertThat(svc.getSpec().getPorts()).extracting(p -> p.getName() + ":" + p.getPort() + "->"
              + p.getTargetPort().getIntVal() + "/" + p.getProtocol()).containsExactly("tcp-80:80->80/TCP",
              "udp-53:53->53/UDP");
          assertThat(svc.getMetadata().getName()).matches(GID + "-svc-[0-9a-f]{10}").hasSizeLessThanOrEqualTo(63);
        }),
        row("EipInstanceId + LoadBalancer option -> LoadBalancer Service", g -> {
          g.network = Specs.network("eip-1", null, null, null);
          return g.container(c("app").port(443, "TCP"));
        }, OPTS.withServiceType(KubernetesOptions.ServiceType.LoadBalancer),
            o -> assertThat(o.service().orElseThrow().getSpec().getType()).isEqualTo("LoadBalancer")),
        row("service type None -> no Service", g -> {
          g.network = Specs.network(null, true, null, null);
          return g.container(c("app").port(80, "TCP"));
        }, OPTS.withServiceType(KubernetesOptions.ServiceType.None), o -> assertThat(o.service()).isEmpty()),
        row("ports without an EIP -> no Service", g -> g.container(c("app").port(80, "TCP")),
            o -> assertThat(o.service()).isEmpty()),
        row("bandwidth (bytes/s) -> ingress/egress-bandwidth annotations (bits/s)", g -> {
          g.network = Specs.network(null, null, 1_000_000L, 125L);
          return g;
        }, o -> assertThat(o.pod().getMetadata().getAnnotations())
            .containsEntry("kubernetes.io/ingress-bandwidth", "8000000")
            .containsEntry("kubernetes.io/egress-bandwidth", "1000")),
        row("InstanceType/spot/zone -> nodeSelector and tolerations from the node map; OsType/CpuArchitecture", g -> {
          g.zone = "cn-hangzhou-b";
          g.placement = Specs.placement("ecs.c6.large,ecs.gn6i-c4g1.xlarge", "SpotAsPriceGo", "Linux", "ARM64");
          return g;
        }, OPTS.withNodeMap(nodeMap), o -> {
          assertThat(ps(o).getNodeSelector()).containsExactly(Map.entry("pool", "eci"), Map.entry("gpu", "t4"),
              Map.entry("lifecycle", "spot"), Map.entry("topology.kubernetes.io/zone", "b"),
              Map.entry("kubernetes.io/os", "linux"), Map.entry("kubernetes.io/arch", "arm64"));
          Toleration t = new TolerationBuilder().withKey("spot").withOperator("Equal").withValue("true")
              .withEffect("NoSchedule").build();
          assertThat(ps(o).getTolerations()).containsExactly(t);
        }),
        row("no placement parameters and an empty node map -> no nodeSelector", g -> g,
            o -> assertThat(ps(o).getNodeSelector()).isEmpty()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void maps(Row r) {
    r.check().accept(PodMapper.map(group(r.spec()), r.opts()));
  }

  record Refusal(String name, GroupSpec spec, KubernetesOptions opts, String code, int status, String message) {
    @Override
    public String toString() {
      return name + " -> " + code;
    }
  }

  static Refusal refusal(String name, UnaryOperator<Specs.G> spec, KubernetesOptions opts, String code, int status,
      String message) {
    return new Refusal(name, spec.apply(spec()).build(), opts, code, status, message);
  }

  static Stream<Refusal> refusals() {
    Specs.C bidi = c("app").mount(new VolumeMount("e", "/e", null, false, "Bidirectional"));
    Specs.C priv = c("app");
    priv.security = ContainerSecurity.builder().privileged(true).build();
    Specs.C cap = c("app");
    cap.security = ContainerSecurity.builder().capabilityAdd(List.of("SYS_ADMIN")).build();
    Specs.C policy = c("app");
    policy.messagePolicy = "Sometimes";
    return Stream.of(
        refusal("HostPath outside the allow-list", g -> g.volume(new VolumeSpec.HostPath("h", "/etc", null)), OPTS,
            "Forbidden.HostPath", 403, "Volume.1.HostPathVolume.Path \"/etc\" is not allowed"),
        refusal("privileged without --allow-privileged", g -> g.container(priv), OPTS, "Forbidden.Privileged", 403,
            "Container.1.SecurityContextPrivileged"),
        refusal("capability outside the allow-list", g -> g.container(cap), OPTS, "Forbidden.Capability", 403,
            "SYS_ADMIN"),
        refusal("DiskVolume without a StorageClass", g -> g.volume(new VolumeSpec.Disk("d", "d-1", null, null)),
            OPTS, "Forbidden.PersistentVolume", 403, "Volume.1 (DiskVolume \"d\")"),
        refusal("FlexVolume without a StorageClass", g -> g.volume(new VolumeSpec.EmptyDir("e", null, null))
            .volume(new VolumeSpec.Flex("f", "x/y", null, null)), OPTS, "Forbidden.PersistentVolume", 403,
            "Volume.2 (FlexVolume \"f\")"),
        refusal("container name over 63 characters", g -> g.container(c("a".repeat(64))), OPTS, "InvalidParameter",
            400, "Container.1.Name"),
        refusal("init container name over 63 characters", g -> g.init(c("b".repeat(64))), OPTS, "InvalidParameter",
            400, "InitContainer.1.Name"),
        refusal("HostName with a dot", g -> {
          g.dns = Specs.dns(null, List.of(), List.of(), List.of(), List.of(), "web.example.com");
          return g;
        }, OPTS, "InvalidParameter", 400, "\"HostName\""),
        refusal("DnsPolicy None without a name server", g -> {
          g.dns = Specs.dns("None", List.of(), List.of("a.local"), List.of(), List.of(), null);
          return g;
        }, OPTS, "InvalidParameter", 400, "DnsConfig.NameServer"),
        refusal("seven search domains", g -> {
          g.dns = Specs.dns(null, List.of(), List.of("a", "b", "c", "d", "e", "f", "g"), List.of(), List.of(), null);
          return g;
        }, OPTS, "InvalidParameter", 400, "DnsConfig.Search"),
        refusal("Bidirectional propagation in an unprivileged container", g -> g.volume(new VolumeSpec.EmptyDir("e",
            null, null)).container(bidi), OPTS, "InvalidParameter", 400, "Container.1.VolumeMount.1.MountPropagation"),
        refusal("unknown TerminationMessagePolicy", g -> g.container(policy), OPTS, "InvalidParameter", 400,
            "Container.1.TerminationMessagePolicy"),
        refusal("an upper-case search domain", g -> {
          g.dns = Specs.dns(null, List.of(), List.of("Corp.Example"), List.of(), List.of(), null);
          return g;
        }, OPTS, "InvalidParameter", 400, "DnsConfig.Search.1"),
        refusal("an upper-case host alias", g -> {
          g.dns = Specs.dns(null, List.of(), List.of(), List.of(), List.of(new PodOptions.Dns.HostAlias("10.0.0.1",
              List.of("db", "DB.local"))), null);
          return g;
        }, OPTS, "InvalidParameter", 400, "HostAliase.1.Hostname.2"),
        refusal("a sysctl name with a wildcard", g -> {
          g.security = PodOptions.Security.builder()
              .sysctls(List.of(new PodOptions.Security.Sysctl("net.ipv4.conf.*.rp_filter", "1"))).build();
          return g;
        }, OPTS, "InvalidParameter", 400, "net.ipv4.conf.*.rp_filter"),
        refusal("TCP and UDP behind one LoadBalancer", g -> {
          g.network = Specs.network(null, true, null, null);
          return g.container(c("app").port(53, "UDP").port(80, "TCP"));
        }, OPTS.withServiceType(KubernetesOptions.ServiceType.LoadBalancer), "InvalidParameter", 400,
            "cannot mix TCP and UDP"),
        refusal("bandwidth below 1 kbit/s", g -> {
          g.network = Specs.network(null, null, 100L, null);
          return g;
        }, OPTS, "InvalidParameter", 400, "\"IngressBandwidth\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void refuses(Refusal r) {
    for (Runnable call : List.<Runnable>of(() -> PodMapper.validate(r.spec(), r.opts()),
        () -> PodMapper.map(group(r.spec()), r.opts()))) {
      assertThatThrownBy(call::run).isInstanceOfSatisfying(ApiException.class, e -> {
        assertThat(e.code()).isEqualTo(r.code());
        assertThat(e.httpStatus()).isEqualTo(r.status());
        assertThat(e.getMessage()).contains(r.message());
      });
    }
  }

  record Change(String name, UnaryOperator<Specs.G> after, boolean inPlace) {
    @Override
    public String toString() {
      return name + " -> " + (inPlace ? "patch" : "recreate");
    }
  }

  static Specs.G base() {
    Specs.C init = c("setup");
    Specs.C app = c("app");
    app.env = List.of(new EnvVar("A", "1", null));
    return spec().init(init).container(app).container(c("side")).tag("env", "prod");
  }

  static Stream<Change> changes() {
    return Stream.of(
        new Change("identical", g -> g, true),
        new Change("one app image", g -> {
          g.containers.set(0, withImage(g.containers.get(0), "busybox:2"));
          return g;
        }, true),
        new Change("every app image and the tags", g -> {
          g.containers.set(0, withImage(g.containers.get(0), "busybox:2"));
          g.containers.set(1, withImage(g.containers.get(1), "nginx:1"));
          g.tags.set(0, new dev.openeci.group.Tag("env", "dev"));
          return g;
        }, true),
        new Change("an init container's image", g -> {
          g.inits.set(0, withImage(g.inits.get(0), "busybox:2"));
          return g;
        }, false),
        new Change("an image and an env value", g -> {
          Specs.C x = c("app");
          x.image = "busybox:2";
          x.env = List.of(new EnvVar("A", "2", null));
          g.containers.set(0, x.build());
          return g;
        }, false),
        new Change("a container added", g -> g.container(c("third")), false),
        new Change("containers reordered", g -> {
          g.containers.add(g.containers.remove(0));
          return g;
        }, false),
        new Change("restart policy", g -> {
          g.restart = RestartPolicy.Never;
          return g;
        }, false),
        new Change("a volume", g -> g.volume(new VolumeSpec.EmptyDir("e", null, null)), false),
        new Change("registry credentials", g -> {
          g.images = PodOptions.Images.builder()
              .credentials(List.of(new PodOptions.Images.RegistryCredential("r", "u", "p"))).build();
          return g;
        }, false),
        new Change("group Cpu", g -> {
          g.cpu = 4;
          return g;
        }, false));
  }

  static dev.openeci.group.ContainerSpec withImage(dev.openeci.group.ContainerSpec c, String image) {
    return new dev.openeci.group.ContainerSpec(c.name(), image, c.imagePullPolicy(), c.command(), c.args(),
        c.workingDir(), c.env(), c.cpu(), c.memory(), c.ports(), c.gpu(), c.tty(), c.stdin(), c.stdinOnce(),
        c.volumeMounts(), c.security(), c.livenessProbe(), c.readinessProbe(), c.postStart(), c.preStop(),
        c.terminationMessagePath(), c.terminationMessagePolicy(), c.environmentVarHide());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changes")
  void imageOnlyChange(Change c) {
    GroupSpec before = base().build();
    GroupSpec after = c.after().apply(base()).build();
    assertThat(PodMapper.imageOnlyChange(before, after)).isEqualTo(c.inPlace());
  }

  @Test
  void mappingIsDeterministicAndObjectNamesFollowTheContent() {
    GroupSpec one = spec().volume(new VolumeSpec.ConfigFile("c", null, List.of(new VolumeSpec.ConfigFile.File("f",
        b64("1".getBytes(StandardCharsets.UTF_8)), null)))).build();
    GroupSpec two = spec().volume(new VolumeSpec.ConfigFile("c", null, List.of(new VolumeSpec.ConfigFile.File("f",
        b64("2".getBytes(StandardCharsets.UTF_8)), null)))).build();
    assertThat(PodMapper.map(group(one), OPTS).pod()).isEqualTo(PodMapper.map(group(one), OPTS).pod());
    assertThat(PodMapper.map(group(one), OPTS).configMaps().get(0).getMetadata().getName())
        .isNotEqualTo(PodMapper.map(group(two), OPTS).configMaps().get(0).getMetadata().getName());
  }

  @Test
  void podSerializesAndRoundTripsThroughFabric8() {
    Specs.C x = c("app").port(80, "TCP").mount(new VolumeMount("conf", "/etc/conf", "a", false, "None"));
    x.liveness = new Probe(new Action.HttpGet(null, 80, "/", "HTTP", List.of()), 1, 2, 3, 1, 5);
    x.postStart = new Action.TcpSocket(null, 80);
    x.gpu = 1;
    x.env = List.of(new EnvVar("IP", null, EnvVar.POD_IP));
    Specs.G g = spec().container(x).init(c("setup")).volume(new VolumeSpec.ConfigFile("conf", 420, List.of(
        new VolumeSpec.ConfigFile.File("a", b64(new byte[] {1, 2}), 256))));
    g.dns = Specs.dns("None", List.of("1.1.1.1"), List.of(), List.of(), List.of(), null);
    g.network = Specs.network(null, true, 1000L, null);
    PodObjects o = PodMapper.map(group(g.build()), OPTS);
    KubernetesSerialization ser = new KubernetesSerialization();
    String json = ser.asJson(o.pod());
    assertThat(json).contains("\"nvidia.com/gpu\":\"1\"").contains("\"fieldPath\":\"status.podIP\"")
        .contains("\"kubernetes.io/ingress-bandwidth\":\"8000\"").contains("\"dnsPolicy\":\"None\"");
    Pod back = ser.unmarshal(json, Pod.class);
    assertThat(back).isEqualTo(o.pod());
    assertThat(ser.unmarshal(ser.asJson(o.configMaps().get(0)), io.fabric8.kubernetes.api.model.ConfigMap.class))
        .isEqualTo(o.configMaps().get(0));
    assertThat(ser.unmarshal(ser.asJson(o.service().orElseThrow()), io.fabric8.kubernetes.api.model.Service.class))
        .isEqualTo(o.service().orElseThrow());
  }

  @Test
  void everyMappedPodHasOnlyValidLabels() {
    Specs.G g = spec().tag("环境", "生产").tag("team", "a b").tag("ok", "yes");
    g.name = "n".repeat(100);
    PodObjects o = PodMapper.map(Specs.group("someone@example.com", "cn-hangzhou", g.build()), OPTS);
    Set<Map.Entry<String, String>> labels = o.pod().getMetadata().getLabels().entrySet();
    assertThat(labels).allSatisfy(e -> {
      assertThat(KubernetesNames.isValidLabelKey(e.getKey())).as(e.getKey()).isTrue();
      assertThat(KubernetesNames.isValidLabelValue(e.getValue())).as(e.getValue()).isTrue();
    });
    assertThat(o.pod().getMetadata().getLabels()).containsEntry("tag.openeci.dev/ok", "yes")
        .doesNotContainKeys("openeci.dev/account", "openeci.dev/group-name", "tag.openeci.dev/team");
    assertThat(readJson(o.pod().getMetadata().getAnnotations().get("openeci.dev/tags").getBytes(
        StandardCharsets.UTF_8)).get("环境").asText()).isEqualTo("生产");
    assertThat(o.namespace().getMetadata().getAnnotations()).containsEntry("openeci.dev/account",
        "someone@example.com");
  }

  static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  static JsonNode readJson(byte[] b) {
    try {
      return new ObjectMapper().readTree(b);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
