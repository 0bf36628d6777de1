package dev.openeci.api.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.error.ApiException;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.group.GroupSpec;
import dev.openeci.reconcile.PodConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 finding 8 (reflected text): values that end up as lines of the group's /etc/hosts or
 * resolv.conf, in engine settings, events or log lines. Each row is an injection an attacker sends;
 * each must be a 400 naming the parameter, and the message must not carry the raw line break.
 */
class ReflectedTextTest {
  record Row(String param, String value, String mentions) {}

  static List<Row> attacks() {
    return List.of(
        new Row("HostAliase.1.Hostname.1", "evil\n1.2.3.4 bank.example", "HostAliase.1.Hostname.1"),
        new Row("HostAliase.1.Hostname.1", "a b", "HostAliase.1.Hostname.1"),
        new Row("HostAliase.1.Hostname.1", "a#comment", "HostAliase.1.Hostname.1"),
        new Row("HostAliase.1.Hostname.1", "-lead", "HostAliase.1.Hostname.1"),
        new Row("HostAliase.1.Hostname.1", "a..b", "HostAliase.1.Hostname.1"),
        new Row("HostAliase.1.Hostname.1", "x".repeat(64), "HostAliase.1.Hostname.1"),
        new Row("HostAliase.1.Hostname.1", "a:b", "HostAliase.1.Hostname.1"),
        new Row("HostAliase.1.Ip", "10.0.0.1\n10.0.0.2 other", "HostAliase.1.Ip"),
        new Row("HostAliase.1.Ip", "10.0.0.1 x", "HostAliase.1.Ip"),
        new Row("HostAliase.1.Ip", "::::", "HostAliase.1.Ip"),
        new Row("HostAliase.1.Ip", "1:2:3:4:5:6:7:8:9", "HostAliase.1.Ip"),
        new Row("HostAliase.1.Ip", "fe80::1%eth0", "HostAliase.1.Ip"),
        new Row("HostAliase.1.Ip", "256.1.1.1", "HostAliase.1.Ip"),
        new Row("HostName", "host\nnameserver 6.6.6.6", "HostName"),
        new Row("HostName", "a_b", "HostName"),
        new Row("DnsConfig.NameServer.1", "8.8.8.8\nnameserver 6.6.6.6", "DnsConfig.NameServer.1"),
        new Row("DnsConfig.NameServer.1", "dns.example", "DnsConfig.NameServer.1"),
        new Row("DnsConfig.Search.1", "corp.example\nnameserver 6.6.6.6", "DnsConfig.Search.1"),
        new Row("DnsConfig.Search.1", "corp example", "DnsConfig.Search.1"),
        new Row("DnsConfig.Search.1", "corp/example", "DnsConfig.Search.1"),
        new Row("DnsConfig.Option.1.Name", "ndots\nnameserver 6.6.6.6", "DnsConfig.Option.1.Name"),
        new Row("DnsConfig.Option.1.Name", "ndots:5", "DnsConfig.Option.1.Name"),
        new Row("DnsConfig.Option.1.Name", "a b", "DnsConfig.Option.1.Name"),
        new Row("DnsConfig.Option.1.Value", "5 rotate", "DnsConfig.Option.1.Value"),
        new Row("DnsConfig.Option.1.Value", "5\nnameserver 6.6.6.6", "DnsConfig.Option.1.Value"),
        new Row("NtpServer.1", "ntp.example\nserver evil", "NtpServer.1"),
        new Row("SecurityContext.Sysctl.1.Value", "1\nkernel.panic=1", "SecurityContext.Sysctl.1.Value"),
        new Row("Tag.1.Value", "v\nforged log line", "Tag.1.Value"),
        new Row("Tag.1.Key", "k\u0000", "Tag.1.Key"),
        new Row("Container.1.Image", "busybox\n", "Container.1.Image"),
        new Row("Container.1.WorkingDir", "/app\r", "Container.1.WorkingDir"),
        new Row("Container.1.EnvironmentVar.1.Key", "A\nB", "Container.1.EnvironmentVar.1.Key"),
        new Row("Container.1.EnvironmentVar.1.Value", "v\u0000", "Container.1.EnvironmentVar.1.Value"),
        new Row("Container.1.VolumeMount.1.MountPath", "/data\n", "Container.1.VolumeMount.1.MountPath"),
        new Row("ClientToken", "t\u2028", "ClientToken"),
        new Row("ImageRegistryCredential.1.Server", "reg.example\u0085", "ImageRegistryCredential.1.Server"));
  }

  static Map<String, String> request(Row r) {
    Map<String, String> p = CreateValidationTest.valid();
    if (r.param().startsWith("HostAliase")) {
      p.put("HostAliase.1.Ip", "10.0.0.1");
      p.put("HostAliase.1.Hostname.1", "db.internal");
    }
    if (r.param().startsWith("DnsConfig.Option")) p.put("DnsConfig.Option.1.Name", "ndots");
    if (r.param().startsWith("SecurityContext.Sysctl")) p.put("SecurityContext.Sysctl.1.Name", "net.core.somaxconn");
    if (r.param().startsWith("Tag")) {
      p.put("Tag.1.Key", "k");
      p.put("Tag.1.Value", "v");
    }
    if (r.param().startsWith("Container.1.EnvironmentVar")) {
      p.put("Container.1.EnvironmentVar.1.Key", "A");
      p.put("Container.1.EnvironmentVar.1.Value", "v");
    }
    if (r.param().startsWith("Container.1.VolumeMount")) {
      p.put("Volume.1.Name", "vol");
      p.put("Volume.1.Type", "EmptyDirVolume");
      p.put("Container.1.VolumeMount.1.Name", "vol");
    }
    if (r.param().startsWith("ImageRegistryCredential")) {
      p.put("ImageRegistryCredential.1.UserName", "u");
      p.put("ImageRegistryCredential.1.Password", "p");
    }
    p.put(r.param(), r.value());
    return p;
  }

  @Test
  void everyInjectionIsAnInvalidParameterNamingItsPath() {
    List<String> failures = new ArrayList<>();
    for (Row r : attacks()) {
      try {
        CreateRequestMapper.map(new ParamReader(request(r)), "cn-hangzhou-a");
        failures.add(r + ": accepted");
      } catch (ApiException e) {
        if (e.httpStatus() != 400 || !e.code().startsWith("InvalidParameter")) failures.add(r + ": " + e.code());
        else if (!e.getMessage().contains(r.mentions())) failures.add(r + ": message does not name it: " + e.getMessage());
        else if (e.getMessage().contains("\n") || e.getMessage().contains("\u0000")) failures.add(r + ": raw control in message");
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void validValuesStillPassAndReachTheEngineUnchanged() {
    Map<String, String> p = CreateValidationTest.valid();
    p.put("HostAliase.1.Ip", "10.0.0.1");
    p.put("HostAliase.1.Hostname.1", "db.internal");
    p.put("HostAliase.1.Hostname.2", "DB-2.Example.COM.");
    p.put("HostAliase.2.Ip", "fd00::1");
    p.put("HostAliase.2.Hostname.1", "v6");
    p.put("HostAliase.3.Ip", "::ffff:10.0.0.3");
    p.put("HostAliase.3.Hostname.1", "mapped");
    p.put("HostName", "web-1.local");
    p.put("DnsPolicy", "None");
    p.put("DnsConfig.NameServer.1", "10.0.0.53");
    p.put("DnsConfig.NameServer.2", "2001:db8::53");
    p.put("DnsConfig.Search.1", "svc.cluster.local");
    p.put("DnsConfig.Option.1.Name", "ndots");
    p.put("DnsConfig.Option.1.Value", "2");
    p.put("DnsConfig.Option.2.Name", "single-request-reopen");
    p.put("NtpServer.1", "ntp.aliyun.com");
    p.put("NtpServer.2", "100.100.3.1");
    p.put("Container.1.Command.1", "sh");
    p.put("Container.1.Command.2", "-c");
    p.put("Container.1.Command.3", "echo a\necho\tb");
    p.put("Container.1.EnvironmentVar.1.Key", "PEM");
    p.put("Container.1.EnvironmentVar.1.Value", "line1\nline2\r\n");
    GroupSpec spec = CreateRequestMapper.map(new ParamReader(p), "cn-hangzhou-a");
    assertThat(PodConfigs.extraHosts(spec.dns())).containsExactly("db.internal:10.0.0.1", "DB-2.Example.COM.:10.0.0.1",
        "v6:fd00::1", "mapped:::ffff:10.0.0.3");
    assertThat(PodConfigs.dns(spec.dns(), List.of(), List.of()).options()).containsExactly("ndots:2",
        "single-request-reopen");
    assertThat(spec.containers().get(0).env().get(0).value()).isEqualTo("line1\nline2\r\n");
  }

  @Test
  void listsAreBounded() {
    Map<String, String> p = CreateValidationTest.valid();
    for (int i = 1; i <= Text.MAX_NAME_SERVERS + 1; i++) p.put("DnsConfig.NameServer." + i, "10.0.0." + i);
    try {
      CreateRequestMapper.map(new ParamReader(p), "cn-hangzhou-a");
      throw new AssertionError("accepted");
    } catch (ApiException e) {
      assertThat(e.getMessage()).contains("DnsConfig.NameServer").contains("at most 3");
    }
  }

  @Test
  void ipLiterals() {
    for (String ok : List.of("0.0.0.0", "255.255.255.255", "::", "::1", "1::", "fe80::1:2", "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:1.2.3.4", "::ffff:1.2.3.4", "1::8")) {
      assertThat(Text.ip(ok)).as(ok).isTrue();
    }
    for (String bad : List.of("", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.4 ", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3",
        "12345::", "g::1", "1:2:3:4:5:6:7:1.2.3.4", "[::1]", "::1%lo", "localhost")) {
      assertThat(Text.ip(bad)).as(bad).isFalse();
    }
  }
}
