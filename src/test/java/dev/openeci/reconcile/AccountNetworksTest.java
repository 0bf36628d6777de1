package dev.openeci.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.runtime.Labels;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One network per (server, account, region); its name never carries account text. */
class AccountNetworksTest {
  @Test
  void oneNamePerOwnerAccountAndRegionSafeForTheEngine() {
    Set<String> names = new HashSet<>();
    for (String owner : List.of("o1", "o2")) {
      for (String account : List.of("admin", "other", "a\nb", "admin\0x")) {
        for (String region : List.of("cn-hangzhou", "cn-beijing")) {
          String n = AccountNetworks.name(owner, account, region);
          assertThat(n).matches("openeci-net-[0-9a-f]{20}");
          names.add(n);
        }
      }
    }
    assertThat(names).hasSize(16);
    assertThat(AccountNetworks.name("o1", "admin", "cn-hangzhou")).isEqualTo(AccountNetworks.name("o1", "admin",
        "cn-hangzhou"));
    // "a" + "\0b" and "a\0" + "b" must not collide through the separator.
    assertThat(AccountNetworks.name("o", "a", "\0b")).isNotEqualTo(AccountNetworks.name("o", "a\0", "b"));
    assertThat(AccountNetworks.labels("o1")).containsEntry(Labels.OWNER, "o1").containsEntry(Labels.MANAGED, "true")
        .containsEntry(AccountNetworks.LABEL, "true");
  }
}
