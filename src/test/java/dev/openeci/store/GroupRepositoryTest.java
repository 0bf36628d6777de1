package dev.openeci.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.EnvVar;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.RestartPolicy;
import dev.openeci.group.Tag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real embedded SQLite store: what is acknowledged survives a reopen. */
class GroupRepositoryTest {
  @TempDir
  Path dir;

  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  static ContainerGroup group(String id, String account) {
    GroupSpec spec = GroupSpec.basic("web", "cn-hangzhou-a", RestartPolicy.Always, 2, 4, List.of(new Tag("k", "v")),
        List.of(), List.of(ContainerSpec.basic("app", "busybox", null, List.of("/bin/sh"), List.of("-c", "x"), null,
            List.of(new EnvVar("A", "é", null), new EnvVar("IP", null, EnvVar.POD_IP)), 1.0, 2.0, List.of())), 30);
    return new ContainerGroup(id, account, "cn-hangzhou", 1, spec, GroupState.initial(), T, T, null, 0);
  }

  @Test
  void groupsStateTokensAndEventsSurviveAReopen() {
    Path file = dir.resolve("openeci.db");
    try (Database db = Database.open(file)) {
      GroupRepository repo = new GroupRepository(db);
      assertThat(repo.create(group("eci-1", "a"), "tok", "h1").resourceId()).isEqualTo("eci-1");
      repo.modify("eci-1", g -> g.withState(g.state().withStatus(GroupStatus.Running), T.plusSeconds(1)));
      repo.recordEvent("eci-1", "Normal", "Started", "Started container app", "app", T);
      repo.recordEvent("eci-1", "Normal", "Started", "Started container app", "app", T.plusSeconds(5));
    }
    try (Database db = Database.open(file)) {
      GroupRepository repo = new GroupRepository(db);
      ContainerGroup g = repo.get("eci-1").orElseThrow();
      assertThat(g.spec()).isEqualTo(group("eci-1", "a").spec());
      assertThat(g.state().status()).isEqualTo(GroupStatus.Running);
      assertThat(repo.findToken("a", "cn-hangzhou", "CreateContainerGroup", "tok")).get()
          .extracting(dev.openeci.group.GroupStore.TokenUse::resourceId).isEqualTo("eci-1");
      assertThat(repo.events("eci-1")).singleElement().satisfies(e -> {
        assertThat(e.count()).isEqualTo(2);
        assertThat(e.firstTimestamp()).isEqualTo(T);
        assertThat(e.lastTimestamp()).isEqualTo(T.plusSeconds(5));
      });
    }
  }

  @Test
  void findAmongLooksUpOnlyTheGivenIdsInCreationOrderAndFilters() {
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      GroupRepository repo = new GroupRepository(db);
      for (int i = 0; i < 5; i++) {
        ContainerGroup g = group("eci-" + i, i == 3 ? "other" : "a");
        repo.create(new ContainerGroup(g.id(), g.accountId(), g.regionId(), 1, g.spec(), g.state(), T.plusSeconds(10 - i),
            T, null, 0), null, null);
      }
      java.util.function.Predicate<ContainerGroup> mine = g -> g.accountId().equals("a");
      assertThat(repo.findAmong(List.of("eci-1", "eci-4", "nope", "eci-3", "eci-2"), mine))
          .extracting(ContainerGroup::id).containsExactly("eci-4", "eci-2", "eci-1");
      assertThat(repo.findAmong(List.of("eci-0", "eci-4"), mine)).extracting(ContainerGroup::id)
          .isEqualTo(repo.find(g -> mine.test(g) && List.of("eci-0", "eci-4").contains(g.id())).stream()
              .map(ContainerGroup::id).toList());
      assertThat(repo.find(mine)).extracting(ContainerGroup::id).containsExactly("eci-4", "eci-2", "eci-1", "eci-0");
      repo.modify("eci-2", g -> g.withState(g.state().withStatus(GroupStatus.Running), T.plusSeconds(60)));
      repo.delete("eci-1");
      assertThat(repo.find(mine)).extracting(ContainerGroup::id).containsExactly("eci-4", "eci-2", "eci-0");
      assertThat(repo.find(mine).get(1).state().status()).isEqualTo(GroupStatus.Running);
    }
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      assertThat(new GroupRepository(db).find(g -> true)).extracting(ContainerGroup::id)
          .containsExactly("eci-4", "eci-3", "eci-2", "eci-0");
    }
  }

  @Test
  void aSecondCreateWithTheSameTokenReturnsTheFirstGroupAndInsertsNothing() {
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      GroupRepository repo = new GroupRepository(db);
      repo.create(group("eci-1", "a"), "tok", "h1");
      assertThat(repo.create(group("eci-2", "a"), "tok", "h1").resourceId()).isEqualTo("eci-1");
      assertThat(repo.get("eci-2")).isEmpty();
      // Tokens are per account.
      assertThat(repo.create(group("eci-3", "b"), "tok", "h1").resourceId()).isEqualTo("eci-3");
    }
  }

  @Test
  void deleteRemovesGroupEventsAndTokens() {
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      GroupRepository repo = new GroupRepository(db);
      repo.create(group("eci-1", "a"), "tok", "h1");
      repo.recordEvent("eci-1", "Normal", "Created", "Created container app", "app", T);
      repo.delete("eci-1");
      assertThat(repo.get("eci-1")).isEmpty();
      assertThat(repo.events("eci-1")).isEmpty();
      assertThat(repo.findToken("a", "cn-hangzhou", "CreateContainerGroup", "tok")).isEmpty();
    }
  }

  @Test
  void eventsAreCappedPerGroup() {
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      GroupRepository repo = new GroupRepository(db);
      repo.create(group("eci-1", "a"), null, "h");
      for (int i = 0; i < GroupRepository.MAX_EVENTS_PER_GROUP + 20; i++) {
        repo.recordEvent("eci-1", "Normal", "Pulled", "pull " + i, "app", T.plusSeconds(i));
      }
      assertThat(repo.events("eci-1")).hasSize(GroupRepository.MAX_EVENTS_PER_GROUP);
      assertThat(repo.events("eci-1").get(0).message()).isEqualTo("pull 20");
    }
  }

  @Test
  void theDatabaseFileIsPrivate() throws Exception {
    Path file = dir.resolve("openeci.db");
    Database.open(file).close();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
  }
}
