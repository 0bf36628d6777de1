package dev.openeci.api.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.error.ApiException;
import dev.openeci.config.PodPolicy;
import dev.openeci.group.GroupSpec;
import dev.openeci.testing.ApiHarness;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod rules (docs/pod-config.md), one row each, through the real request pipeline with the
 * default policy: code, HTTP status, a message naming the parameter, nothing created.
 */
class PodRulesTest {
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

  record Rule(String name, int status, String code, String mentions, Consumer<Map<String, String>> change) {}

  static List<Rule> rules() {
    return List.of(
        new Rule("host sysctl not namespaced", 403, "Forbidden.HostSysctl", "HostSecurityContext.Sysctl.1.Name", p -> {
          p.put("HostSecurityContext.Sysctl.1.Name", "vm.min_free_kbytes");
          p.put("HostSecurityContext.Sysctl.1.Value", "65536");
        }),
        new Rule("second host sysctl not namespaced", 403, "Forbidden.HostSysctl", "HostSecurityContext.Sysctl.2.Name",
            p -> {
              p.put("HostSecurityContext.Sysctl.1.Name", "net.core.somaxconn");
              p.put("HostSecurityContext.Sysctl.1.Value", "1024");
              p.put("HostSecurityContext.Sysctl.2.Name", "kernel.panic");
              p.put("HostSecurityContext.Sysctl.2.Value", "1");
            }),
        new Rule("host path not allowed by default", 403, "Forbidden.HostPath", "Volume.1.HostPathVolume.Path", p -> {
          p.put("Volume.1.Name", "host");
          p.put("Volume.1.Type", "HostPathVolume");
          p.put("Volume.1.HostPathVolume.Path", "/var/lib");
        }),
        new Rule("privileged not allowed by default", 403, "Forbidden.Privileged", "Container.1.SecurityContextPrivileged",
            p -> p.put("Container.1.SecurityContextPrivileged", "true")),
        new Rule("privileged init container", 403, "Forbidden.Privileged", "InitContainer.1.SecurityContextPrivileged",
            p -> {
              p.put("InitContainer.1.Name", "init");
              p.put("InitContainer.1.Image", "busybox");
              p.put("InitContainer.1.SecurityContextPrivileged", "true");
            }),
        // Issue 10 finding 6: a grace period of days pinned a delete for days; the server's maximum
        // (serve --max-grace-seconds, default 600) bounds it at Create (and Update).
        new Rule("grace period above the server's maximum", 400, "InvalidParameter", "TerminationGracePeriodSeconds",
            p -> p.put("TerminationGracePeriodSeconds", Integer.toString(PodPolicy.DEFAULT_MAX_GRACE_SECONDS + 1))),
        new Rule("grace period of a day", 400, "InvalidParameter", "TerminationGracePeriodSeconds",
            p -> p.put("TerminationGracePeriodSeconds", "86400")),
        new Rule("SubPath on an NFS volume", 400, "InvalidParameter", "Container.1.VolumeMount.1.SubPath", p -> {
          p.put("Volume.1.Name", "share");
          p.put("Volume.1.Type", "NFSVolume");
          p.put("Volume.1.NFSVolume.Server", "10.0.0.2");
          p.put("Volume.1.NFSVolume.Path", "/export");
          p.put("Container.1.VolumeMount.1.Name", "share");
          p.put("Container.1.VolumeMount.1.MountPath", "/share");
          p.put("Container.1.VolumeMount.1.SubPath", "part");
        }));
  }

  @Test
  void everyRuleHasItsCodeStatusAndCreatesNothing() {
    List<String> failures = new ArrayList<>();
    for (Rule rule : rules()) {
      Map<String, String> p = CreateValidationTest.valid();
      rule.change().accept(p);
      p.put("DryRun", "true"); // a refusal must come before the dry run's success too
      ApiHarness.Reply reply = api.call("CreateContainerGroup", p);
      String got = reply.status() + " " + reply.code();
      String want = rule.status() + " " + rule.code();
      if (!got.equals(want)) {
        failures.add(rule.name() + ": want " + want + ", got " + got + " " + reply.body());
      } else if (!reply.body().get("Message").asText().contains(rule.mentions())) {
        failures.add(rule.name() + ": message does not name " + rule.mentions() + ": " + reply.body().get("Message"));
      }
      p.remove("DryRun");
      if (api.call("CreateContainerGroup", p).status() != rule.status()) failures.add(rule.name() + ": not refused");
      if (!api.repo.all().isEmpty() || api.tokenCount() != 0 || !api.woken.isEmpty()) {
        failures.add(rule.name() + ": something was created");
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void namespacedHostSysctlsAndSubPathsOnOtherVolumesPass() {
    Map<String, String> p = CreateValidationTest.valid();
    p.put("HostSecurityContext.Sysctl.1.Name", "net.ipv4.tcp_keepalive_time");
    p.put("HostSecurityContext.Sysctl.1.Value", "600");
    p.put("HostSecurityContext.Sysctl.2.Name", "kernel.shm_rmid_forced");
    p.put("HostSecurityContext.Sysctl.2.Value", "1");
    p.put("Volume.1.Name", "scratch");
    p.put("Volume.1.Type", "EmptyDirVolume");
    p.put("Volume.1.EmptyDirVolume.Medium", "Memory");
    p.put("Container.1.VolumeMount.1.Name", "scratch");
    p.put("Container.1.VolumeMount.1.MountPath", "/scratch");
    p.put("Container.1.VolumeMount.1.SubPath", "app");
    assertThat(api.call("CreateContainerGroup", p).status()).isEqualTo(200);
  }

  @Test
  void theOperatorCanAllowHostPathPrefixesAndPrivilegedContainers() {
    Map<String, String> p = CreateValidationTest.valid();
    p.put("Volume.1.Name", "data");
    p.put("Volume.1.Type", "HostPathVolume");
    p.put("Volume.1.HostPathVolume.Path", "/srv/data/app");
    p.put("Container.1.SecurityContextPrivileged", "true");
    GroupSpec spec = CreateRequestMapper.map(new dev.openeci.api.rpc.ParamReader(p), "cn-hangzhou-a");
    PodPolicy allowing = new PodPolicy(List.of("/srv/data"), true, null);
    assertThatCode(() -> PodRules.checkPolicy(spec, allowing)).doesNotThrowAnyException();
    assertThat(allowing.publishAddress()).isEqualTo("127.0.0.1");
    assertThatThrownBy(() -> PodRules.checkPolicy(spec, new PodPolicy(List.of("/srv/other", "/srv/dat"), true, null)))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("Forbidden.HostPath"));
    assertThatThrownBy(() -> PodRules.checkPolicy(spec, new PodPolicy(List.of("/srv"), false, null)))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("Forbidden.Privileged"));
  }

  @Test
  void theMaximumGracePeriodItselfIsAcceptedAndTheOperatorSetsIt() {
    Map<String, String> p = CreateValidationTest.valid();
    p.put("TerminationGracePeriodSeconds", Integer.toString(PodPolicy.DEFAULT_MAX_GRACE_SECONDS));
    assertThat(api.call("CreateContainerGroup", p).status()).isEqualTo(200);
    GroupSpec spec = CreateRequestMapper.map(new dev.openeci.api.rpc.ParamReader(p), "cn-hangzhou-a");
    assertThatThrownBy(() -> PodRules.checkPolicy(spec, new PodPolicy(List.of(), false, null, 60)))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.code()).isEqualTo("InvalidParameter");
          assertThat(e.getMessage()).contains("TerminationGracePeriodSeconds").contains("60");
        });
  }

  @Test
  void hostPathPrefixesMatchWholePathComponents() {
    PodPolicy p = new PodPolicy(List.of("/srv/data", "/tmp/"), false, null);
    assertThat(p.hostPathAllowed("/srv/data")).isTrue();
    assertThat(p.hostPathAllowed("/srv/data/x/y")).isTrue();
    assertThat(p.hostPathAllowed("/tmp/abc")).isTrue();
    assertThat(p.hostPathAllowed("/srv/database")).isFalse();
    assertThat(p.hostPathAllowed("/srv/data/../etc")).isFalse();
    assertThat(p.hostPathAllowed("/etc")).isFalse();
    assertThat(PodPolicy.DEFAULT.hostPathAllowed("/tmp")).isFalse();
  }
}
