package dev.openeci.backend.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.group.GroupSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KubernetesNamesTest {

  static Stream<Arguments> labelValues() {
    return Stream.of(
        Arguments.of("", true),
        Arguments.of("a", true),
        Arguments.of("A-b_c.d9", true),
        Arguments.of("x".repeat(63), true),
        Arguments.of("x".repeat(64), false),
        Arguments.of("-a", false),
        Arguments.of("a-", false),
        Arguments.of("a.", false),
        Arguments.of("_a", false),
        Arguments.of("a b", false),
        Arguments.of("a/b", false),
        Arguments.of("someone@example.com", false),
        Arguments.of("ü", false),
        Arguments.of("生产", false),
        Arguments.of(null, false));
  }

  @ParameterizedTest(name = "label value \"{0}\" valid: {1}")
  @MethodSource("labelValues")
  void labelValueValidity(String value, boolean valid) {
    assertThat(KubernetesNames.isValidLabelValue(value)).isEqualTo(valid);
  }

  static Stream<Arguments> labelKeys() {
    return Stream.of(
        Arguments.of("app", true),
        Arguments.of("openeci.dev/owner", true),
        Arguments.of("tag.openeci.dev/Env_1", true),
        Arguments.of("kubernetes.io/ingress-bandwidth", true),
        Arguments.of("tag.openeci.dev/" + "k".repeat(63), true),
        Arguments.of("tag.openeci.dev/" + "k".repeat(64), false),
        Arguments.of("/x", false),
        Arguments.of("x/", false),
        Arguments.of("Openeci.dev/x", false),
        Arguments.of("a/b/c", false),
        Arguments.of("tag.openeci.dev/环境", false),
        Arguments.of("tag.openeci.dev/a b", false),
        Arguments.of("", false),
        Arguments.of(("p".repeat(60) + ".").repeat(4) + "pp/x", true),
        Arguments.of(("p".repeat(60) + ".").repeat(4) + "ppppppppppppp/x", false));
  }

  @ParameterizedTest(name = "label key \"{0}\" valid: {1}")
  @MethodSource("labelKeys")
  void labelKeyValidity(String key, boolean valid) {
    assertThat(KubernetesNames.isValidLabelKey(key)).isEqualTo(valid);
  }

  @Test
  void namespaceIsOeciAnd20HexOfTheScopeHash() throws Exception {
    String ns = KubernetesNames.namespace("inst", "acct", "cn-hangzhou");
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest("inst\nacct\ncn-hangzhou".getBytes(StandardCharsets.UTF_8))).substring(0, 20);
    assertThat(ns).isEqualTo("oeci-" + expected).hasSize(25);
    assertThat(KubernetesNames.isDnsLabel(ns)).isTrue();
    assertThat(KubernetesNames.namespace("inst", "acct", "cn-beijing")).isNotEqualTo(ns);
    assertThat(KubernetesNames.namespace("other", "acct", "cn-hangzhou")).isNotEqualTo(ns);
    // The separator keeps ("a\nb", "c") and ("a", "b\nc") apart only as far as ids hold no newline;
    // account ids never do, and the order of the parts matters.
    assertThat(KubernetesNames.namespace("inst", "cn-hangzhou", "acct")).isNotEqualTo(ns);
  }

  @Test
  void namespaceLabelsCarryTheAccountOnlyWhenValid() {
    assertThat(KubernetesNames.namespaceLabels("inst", "1234567890", "cn-hangzhou")).containsEntry(
        "openeci.dev/owner", "inst").containsEntry("openeci.dev/region", "cn-hangzhou")
        .containsEntry("openeci.dev/account", "1234567890");
    String longAccount = "a".repeat(80);
    assertThat(KubernetesNames.namespaceLabels("inst", longAccount, "cn-hangzhou"))
        .doesNotContainKey("openeci.dev/account");
    assertThat(KubernetesNames.namespaceLabels("inst", "用户@example", "cn-hangzhou"))
        .doesNotContainKey("openeci.dev/account");
    assertThat(KubernetesNames.namespaceAnnotations(longAccount, "cn-hangzhou"))
        .containsEntry("openeci.dev/account", longAccount).containsEntry("openeci.dev/region", "cn-hangzhou");
  }

  @Test
  void podLabelsAndAnnotations() {
    GroupSpec spec = Specs.spec().tag("env", "prod").tag("环境", "生产").tag("empty", "").tag("k", "x y").build();
    var g = Specs.group("acct-1", "cn-hangzhou", spec);
    assertThat(KubernetesNames.pod(g.id())).isEqualTo(g.id());
    assertThat(KubernetesNames.podLabels(g, "inst")).containsExactly(
        java.util.Map.entry("openeci.dev/owner", "inst"),
        java.util.Map.entry("openeci.dev/group-id", Specs.GID),
        java.util.Map.entry("openeci.dev/spec-version", "3"),
        java.util.Map.entry("openeci.dev/restart-generation", "2"),
        java.util.Map.entry("openeci.dev/account", "acct-1"),
        java.util.Map.entry("openeci.dev/region", "cn-hangzhou"),
        java.util.Map.entry("openeci.dev/group-name", "web"),
        java.util.Map.entry("tag.openeci.dev/env", "prod"),
        java.util.Map.entry("tag.openeci.dev/empty", ""));
    assertThat(KubernetesNames.podAnnotations(g)).containsEntry("openeci.dev/group-name", "web")
        .containsEntry("openeci.dev/tags", "{\"env\":\"prod\",\"环境\":\"生产\",\"empty\":\"\",\"k\":\"x y\"}");
  }

  @Test
  void objectNamesAreContentHashedDnsNames() {
    String a = KubernetesNames.objectName(Specs.GID, "config", "one");
    assertThat(a).matches(Specs.GID + "-config-[0-9a-f]{10}");
    assertThat(KubernetesNames.objectName(Specs.GID, "config", "one")).isEqualTo(a);
    assertThat(KubernetesNames.objectName(Specs.GID, "config", "two")).isNotEqualTo(a);
    assertThat(KubernetesNames.isDnsLabel(KubernetesNames.objectName(Specs.GID, "svc", "x"))).isTrue();
    assertThat(KubernetesNames.diskClaim("d-abc")).isEqualTo("disk-d-abc");
    assertThat(KubernetesNames.ownedLabels("inst", Specs.GID)).containsExactly(
        java.util.Map.entry("openeci.dev/owner", "inst"), java.util.Map.entry("openeci.dev/group-id", Specs.GID));
    assertThat(KubernetesNames.ownerSelector("inst")).containsExactly(java.util.Map.entry("openeci.dev/owner", "inst"));
  }

  @Test
  void volumeNamesStayWhenTheyAreDnsLabelsElseAreHashed() {
    assertThat(KubernetesNames.volume("data-1")).isEqualTo("data-1");
    String longName = "v".repeat(64);
    assertThat(KubernetesNames.volume(longName)).matches("v-[0-9a-f]{16}").isEqualTo(KubernetesNames.volume(longName));
    assertThat(KubernetesNames.volume(longName + "x")).isNotEqualTo(KubernetesNames.volume(longName));
  }
}
