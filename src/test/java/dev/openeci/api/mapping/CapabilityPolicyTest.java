package dev.openeci.api.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.error.ApiException;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.config.Capabilities;
import dev.openeci.config.PodPolicy;
import dev.openeci.group.GroupSpec;
import dev.openeci.testing.ApiHarness;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 finding 4: Capability.Add is an allow-list. Each row is what an attacker sends (the
 * capability, in which container, under which operator policy) and what the server must answer.
 */
class CapabilityPolicyTest {
  static final PodPolicy DEFAULT = PodPolicy.DEFAULT;
  static final PodPolicy NARROW = new PodPolicy(List.of(), false, null, Capabilities.parseOperatorList(List.of("none")));
  static final PodPolicy PTRACE = new PodPolicy(List.of(), false, null,
      Capabilities.parseOperatorList(List.of("cap_sys_ptrace")));
  static final PodPolicy PRIVILEGED = new PodPolicy(List.of(), true, null);

  record Row(String cap, String where, PodPolicy policy, boolean allowed) {}

  static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    // The escalations the probe used, and their spellings: refused without a flag.
    for (String cap : List.of("ALL", "all", "SYS_ADMIN", "SYS_MODULE", "DAC_READ_SEARCH", "BPF", "SYS_PTRACE",
        "SYS_RAWIO", "SYS_BOOT", "SYS_TIME", "PERFMON", "LINUX_IMMUTABLE", "MAC_ADMIN", "SYSLOG", "IPC_LOCK",
        "SYS_RESOURCE", "NET_BROADCAST", "cap_sys_admin", "CAP_SYS_ADMIN", "Cap_Sys_Admin", "sys_admin",
        "CAP_ALL", "sys_adm\u0131n", "FOO", "SYS_ADMINX")) {
      rows.add(new Row(cap, "Container.1", DEFAULT, false));
      rows.add(new Row(cap, "InitContainer.1", DEFAULT, false));
    }
    // Baseline and ECI's documented two: allowed, in any spelling.
    for (String cap : List.of("CHOWN", "cap_chown", "KILL", "NET_BIND_SERVICE", "SETUID", "SETGID", "SYS_CHROOT",
        "AUDIT_WRITE", "MKNOD", "SETFCAP", "SETPCAP", "FOWNER", "FSETID", "DAC_OVERRIDE", "NET_ADMIN", "NET_RAW",
        "cap_net_raw")) {
      rows.add(new Row(cap, "Container.1", DEFAULT, true));
    }
    // The operator narrows or widens the list; privileged allows every known capability, never an unknown name.
    rows.add(new Row("NET_ADMIN", "Container.1", NARROW, false));
    rows.add(new Row("NET_RAW", "InitContainer.1", NARROW, false));
    rows.add(new Row("CHOWN", "Container.1", NARROW, true));
    rows.add(new Row("SYS_PTRACE", "Container.1", PTRACE, true));
    rows.add(new Row("NET_ADMIN", "Container.1", PTRACE, false));
    rows.add(new Row("SYS_ADMIN", "Container.1", PTRACE, false));
    rows.add(new Row("SYS_ADMIN", "Container.1", PRIVILEGED, true));
    rows.add(new Row("ALL", "Container.1", PRIVILEGED, true));
    rows.add(new Row("FOO", "Container.1", PRIVILEGED, false));
    return rows;
  }

  static Map<String, String> request(Row r) {
    Map<String, String> p = CreateValidationTest.valid();
    if (r.where().startsWith("Init")) {
      p.put("InitContainer.1.Name", "init");
      p.put("InitContainer.1.Image", "busybox");
    }
    p.put(r.where() + ".SecurityContext.Capability.Add.1", "CHOWN");
    p.put(r.where() + ".SecurityContext.Capability.Add.2", r.cap());
    return p;
  }

  @Test
  void everyRowIsAllowedOrRefusedWithForbiddenCapability() {
    List<String> failures = new ArrayList<>();
    for (Row r : rows()) {
      String got;
      try {
        GroupSpec spec = CreateRequestMapper.map(new ParamReader(request(r)), "cn-hangzhou-a");
        PodRules.checkPolicy(spec, r.policy());
        got = "allowed";
      } catch (ApiException e) {
        got = e.httpStatus() + " " + e.code() + " " + e.getMessage();
        if (!r.allowed() && e.code().equals("Forbidden.Capability")
            && !e.getMessage().contains(r.where() + ".SecurityContext.Capability.Add.2")) {
          got += " (message does not name the parameter)";
        }
      }
      boolean ok = r.allowed() ? got.equals("allowed")
          : got.startsWith("403 Forbidden.Capability") && !got.contains("does not name");
      if (!ok) failures.add(r + " -> " + got);
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void theRealPipelineRefusesEscalationsAndCreatesNothing(@TempDir Path dir) {
    try (ApiHarness api = new ApiHarness(dir)) {
      for (String cap : List.of("ALL", "SYS_ADMIN", "cap_sys_module", "DAC_READ_SEARCH", "BPF")) {
        Map<String, String> p = request(new Row(cap, "Container.1", DEFAULT, false));
        ApiHarness.Reply reply = api.call("CreateContainerGroup", p);
        assertThat(reply.status() + " " + reply.code()).as(cap).isEqualTo("403 Forbidden.Capability");
      }
      assertThat(api.repo.all()).isEmpty();
      assertThat(api.woken).isEmpty();
      Map<String, String> ok = request(new Row("NET_ADMIN", "Container.1", DEFAULT, true));
      assertThat(api.call("CreateContainerGroup", ok).status()).isEqualTo(200);
    }
  }

  @Test
  void malformedNamesAreInvalidParameters() {
    for (String cap : List.of("CAP_", "SYS ADMIN", "SYS_ADMIN\n", "SYS_ADMIN\u0000", "X", "SYS-ADMIN")) {
      Map<String, String> p = request(new Row(cap, "Container.1", DEFAULT, false));
      try {
        CreateRequestMapper.map(new ParamReader(p), "cn-hangzhou-a");
        throw new AssertionError(cap + " accepted");
      } catch (ApiException e) {
        assertThat(e.code()).as(cap).isEqualTo("InvalidParameter");
        assertThat(e.getMessage()).contains("Container.1.SecurityContext.Capability.Add.2").doesNotContain("\n");
      }
    }
  }

  @Test
  void theOperatorListIsParsedStrictly() {
    assertThat(Capabilities.parseOperatorList(List.of("none"))).isEmpty();
    assertThat(Capabilities.parseOperatorList(List.of("cap_sys_ptrace", "NET_ADMIN")))
        .isEqualTo(Set.of("SYS_PTRACE", "NET_ADMIN"));
    assertThat(Capabilities.parseOperatorList(List.of("ALL"))).isEqualTo(Capabilities.KNOWN);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Capabilities.parseOperatorList(List.of("SYS_ADMINX")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(PodPolicy.DEFAULT.extraCapabilities()).isEqualTo(Set.of("NET_ADMIN", "NET_RAW"));
  }
}
