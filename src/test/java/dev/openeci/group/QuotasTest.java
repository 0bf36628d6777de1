package dev.openeci.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.error.ApiException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Quota arithmetic: what counts, what is refused, and the flags' parsing. */
class QuotasTest {

  static GroupSpec spec(double cpu, double memory, Integer... gpus) {
    List<ContainerSpec> containers = new java.util.ArrayList<>();
    for (int i = 0; i < Math.max(1, gpus.length); i++) {
      ContainerSpec c = ContainerSpec.basic("c" + i, "busybox", null, List.of(), List.of(), null, List.of(), null,
          null, List.of());
      if (gpus.length > 0) c = withGpu(c, gpus[i]);
      containers.add(c);
    }
    return GroupSpec.basic("g", "z", RestartPolicy.Always, cpu, memory, List.of(), List.of(), containers, 30);
  }

  static ContainerSpec withGpu(ContainerSpec c, Integer gpu) {
    // ContainerSpec is a record: copy it with another gpu through its canonical constructor
    var comps = ContainerSpec.class.getRecordComponents();
    Object[] args = new Object[comps.length];
    Class<?>[] types = new Class<?>[comps.length];
    try {
      for (int i = 0; i < comps.length; i++) {
        types[i] = comps[i].getType();
        args[i] = comps[i].getName().equals("gpu") ? gpu : comps[i].getAccessor().invoke(c);
      }
      return ContainerSpec.class.getDeclaredConstructor(types).newInstance(args);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  static String outcome(Runnable r) {
    try {
      r.run();
      return "ok";
    } catch (ApiException e) {
      return e.code() + ": " + e.getMessage();
    }
  }

  static Stream<Arguments> cases() {
    Quotas q = new Quotas(3, 4, 8, 2, 1, 1);
    Quotas.Usage empty = Quotas.Usage.NONE;
    Quotas.Usage two = empty.plus(spec(1, 2)).plus(spec(1, 2));
    return Stream.of(
        Arguments.of("first group", q, empty, spec(2, 4), "ok"),
        Arguments.of("exactly at every quota", q, two, spec(2, 4, 2), "ok"),
        Arguments.of("fourth group", q, two.plus(spec(0.25, 0.5)), spec(0.25, 0.5), "QuotaExceeded: The container group"),
        Arguments.of("vCPU over by a quarter", q, two, spec(2.25, 1), "QuotaExceeded: The vCPU quota"),
        Arguments.of("memory over", q, two, spec(1, 4.5), "QuotaExceeded: The memory quota"),
        Arguments.of("GPUs summed over containers", q, empty, spec(1, 1, 1, 2), "QuotaExceeded: The GPU quota"),
        Arguments.of("unlimited", Quotas.UNLIMITED, two.plus(spec(1000, 1000)), spec(1000, 1000, 99), "ok"),
        Arguments.of("cpu unlimited, groups not", new Quotas(2, -1, -1, -1, -1, -1), two, spec(1, 1),
            "QuotaExceeded: The container group"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void admission(String name, Quotas q, Quotas.Usage used, GroupSpec spec, String expected) {
    assertThat(outcome(() -> q.check(used, used.plus(spec)))).startsWith(expected);
  }

  @Test
  void anUpdateThatDoesNotGrowIsAdmittedEvenWhenTheAccountIsAlreadyOverAQuotaLoweredBelowIt() {
    Quotas q = new Quotas(1, 2, 2, 0, 0, 0);
    Quotas.Usage others = Quotas.Usage.NONE.plus(spec(2, 2));
    // the group being updated: 2 vCPU -> 1 vCPU, memory unchanged; the account holds 2 groups (over 1)
    assertThat(outcome(() -> q.check(others.plus(spec(2, 4)), others.plus(spec(1, 4))))).isEqualTo("ok");
    assertThat(outcome(() -> q.check(others.plus(spec(2, 4)), others.plus(spec(2, 5)))))
        .startsWith("QuotaExceeded: The memory quota exceeded: this request needs 7 GiB of at most 2 GiB");
  }

  @Test
  void usageSumsWithoutFloatingPointDrift() {
    Quotas.Usage u = Quotas.Usage.NONE;
    for (int i = 0; i < 10; i++) u = u.plus(spec(0.1, 0.3));
    assertThat(u.cpu()).isEqualTo(1.0);
    assertThat(u.memoryGiB()).isEqualTo(3.0);
    assertThat(u.groups()).isEqualTo(10);
    assertThat(new Quotas(-1, -1, -1, -1, -1, -1).equals(Quotas.UNLIMITED)).isTrue();
  }

  @Test
  void cacheQuotas() {
    Quotas q = new Quotas(-1, -1, -1, -1, 2, 0);
    assertThat(outcome(() -> q.checkImageCaches(1))).isEqualTo("ok");
    assertThat(outcome(() -> q.checkImageCaches(2))).startsWith("QuotaExceeded: The image cache quota");
    assertThat(outcome(() -> q.checkDataCaches(0))).startsWith("QuotaExceeded: The data cache quota");
  }

  @Test
  void fromEnvReadsTheFlagsAndKeepsDefaultsForTheOthers() {
    assertThat(Quotas.fromEnv(Map.of())).isEqualTo(Quotas.DEFAULT);
    Quotas q = Quotas.fromEnv(Map.of(Quotas.GROUPS_ENV, "5", Quotas.CPU_ENV, "2.5", Quotas.GPU_ENV, "-1"));
    assertThat(q).isEqualTo(new Quotas(5, 2.5, Quotas.DEFAULT.memoryGiB(), -1, Quotas.DEFAULT.imageCaches(),
        Quotas.DEFAULT.dataCaches()));
    assertThatThrownBy(() -> Quotas.fromEnv(Map.of(Quotas.MEMORY_ENV, "lots")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Quotas.MEMORY_ENV);
  }
}
