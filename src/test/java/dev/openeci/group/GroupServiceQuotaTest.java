package dev.openeci.group;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.error.ApiException;
import dev.openeci.store.Database;
import dev.openeci.store.GroupRepository;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Quotas hold under concurrent creates against the real SQLite store: no overshoot. */
class GroupServiceQuotaTest {
  @TempDir
  Path dir;

  static GroupSpec spec(double cpu, double memory) {
    return GroupSpec.basic("g", "cn-hangzhou-a", RestartPolicy.Always, cpu, memory, List.of(), List.of(),
        List.of(ContainerSpec.basic("app", "busybox", null, List.of(), List.of(), null, List.of(), null, null,
            List.of())), 30);
  }

  /** 50 creates released at once; returns outcome -> count. */
  static Map<String, Long> fifty(GroupService service, String account, GroupSpec spec) throws Exception {
    int n = 50;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<String>> calls = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        calls.add(pool.submit(() -> {
          go.await();
          try {
            service.create(account, "cn-hangzhou", spec, null);
            return "created";
          } catch (ApiException e) {
            return e.code();
          }
        }));
      }
      go.countDown();
      List<String> out = new ArrayList<>();
      for (Future<String> f : calls) out.add(f.get(60, TimeUnit.SECONDS));
      return out.stream().collect(Collectors.groupingBy(s -> s, java.util.TreeMap::new, Collectors.counting()));
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest(name = "quota {0} groups / {1} vCPU, groups of {2} vCPU -> {3} admitted")
  @CsvSource({
      "7, -1, 1, 7",     // the group count binds
      "-1, 5, 0.5, 10",  // vCPU binds: 10 x 0.5 = 5
      "12, 9, 1, 9"})    // both set, vCPU binds first
  void fiftyParallelCreatesAdmitExactlyTheQuota(long groups, double cpu, double groupCpu, long admitted)
      throws Exception {
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      GroupRepository repo = new GroupRepository(db);
      GroupService service = new GroupService(repo, InstantSource.system(), id -> {}, s -> {},
          new Quotas(groups, cpu, -1, -1, -1, -1));
      Map<String, Long> outcome = fifty(service, "acct", spec(groupCpu, 1));
      assertThat(outcome).containsExactlyInAnyOrderEntriesOf(Map.of("created", admitted, "QuotaExceeded",
          50 - admitted));
      assertThat(repo.find(g -> g.accountId().equals("acct"))).hasSize((int) admitted);
      assertThat(service.usage("acct", "cn-hangzhou", null).groups()).isEqualTo(admitted);
    }
    // and what was admitted is what the database holds after a reopen
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      assertThat(new GroupRepository(db).all()).hasSize((int) admitted);
    }
  }

  @Test
  void quotasArePerAccountAndRegionAndADeletionFreesTheSlotAtOnce() {
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      GroupRepository repo = new GroupRepository(db);
      GroupService service = new GroupService(repo, InstantSource.system(), id -> {}, s -> {},
          new Quotas(1, -1, -1, -1, -1, -1));
      String a = service.create("a", "cn-hangzhou", spec(1, 1), null);
      service.create("b", "cn-hangzhou", spec(1, 1), null); // another account has its own quota
      service.create("a", "cn-beijing", spec(1, 1), null); // another region too
      assertThat(outcome(() -> service.create("a", "cn-hangzhou", spec(1, 1), null))).isEqualTo("QuotaExceeded");
      service.delete("a", "cn-hangzhou", a); // deletion requested: the worker has not removed it yet
      assertThat(repo.get(a)).isPresent();
      assertThat(outcome(() -> service.create("a", "cn-hangzhou", spec(1, 1), null))).isEqualTo("ok");
    }
  }

  @Test
  void updatesAreCheckedAgainstTheOtherGroupsAndMayShrinkWhenOverQuota() {
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      GroupRepository repo = new GroupRepository(db);
      GroupService service = new GroupService(repo, InstantSource.system(), id -> {}, s -> {},
          new Quotas(-1, 3, -1, -1, -1, -1));
      String a = service.create("a", "cn-hangzhou", spec(1, 1), null);
      service.create("a", "cn-hangzhou", spec(1, 1), null);
      repo.modify(a, g -> g.withState(g.state().withStatus(GroupStatus.Running), g.updatedTime()));
      assertThat(outcome(() -> service.update("a", "cn-hangzhou", a, 1, spec(2, 1), Map.of(), null, "h1")))
          .isEqualTo("ok"); // 2 + 1 = 3
      repo.modify(a, g -> g.withState(g.state().withStatus(GroupStatus.Running), g.updatedTime()));
      assertThat(outcome(() -> service.update("a", "cn-hangzhou", a, 2, spec(2.5, 1), Map.of(), null, "h2")))
          .isEqualTo("QuotaExceeded");
      assertThat(repo.get(a).orElseThrow().spec().cpu()).isEqualTo(2.0);
    }
  }

  static String outcome(Runnable r) {
    try {
      r.run();
      return "ok";
    } catch (ApiException e) {
      return e.code();
    }
  }
}
