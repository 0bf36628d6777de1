package dev.openeci.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.group.ContainerGroup;
import dev.openeci.store.AccessKeyRepository.AccessKey;
import dev.openeci.testing.ApiHarness;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 finding 8 (secrets at rest): registry passwords, hidden environment values and AccessKey
 * secrets never reach the SQLite files in plain text; a database of an earlier version is sealed on
 * open; everything still reads back after a restart; the key stays outside the database.
 */
class SecretsAtRestTest {
  static final String PASSWORD = "Registry-Pa55word-7d1e";
  static final String HIDDEN = "hidden-env-value-9c2b";
  static final String AK_SECRET = "ak-secret-value-41f0e2";

  @TempDir
  Path dir;

  static Map<String, String> create() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("RegionId", "cn-hangzhou");
    p.put("ContainerGroupName", "web");
    p.put("Container.1.Name", "app");
    p.put("Container.1.Image", "registry.example/team/app:1");
    p.put("Container.1.EnvironmentVarHide", "true");
    p.put("Container.1.EnvironmentVar.1.Key", "TOKEN");
    p.put("Container.1.EnvironmentVar.1.Value", HIDDEN);
    p.put("ImageRegistryCredential.1.Server", "registry.example");
    p.put("ImageRegistryCredential.1.UserName", "deploy");
    p.put("ImageRegistryCredential.1.Password", PASSWORD);
    return p;
  }

  /** Every byte SQLite has written: the database, its write-ahead log and shared memory. */
  String rawBytes() throws IOException {
    StringBuilder b = new StringBuilder();
    for (String f : List.of("openeci.db", "openeci.db-wal", "openeci.db-shm")) {
      Path p = dir.resolve(f);
      if (Files.exists(p)) b.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
    }
    return b.toString();
  }

  @Test
  void createdSecretsAreNotInTheDatabaseFilesAndReadBackAfterARestart() throws Exception {
    String id;
    try (ApiHarness api = new ApiHarness(dir)) {
      ApiHarness.Reply r = api.call("CreateContainerGroup", create());
      assertThat(r.status()).isEqualTo(200);
      id = r.body().get("ContainerGroupId").asText();
      new AccessKeyRepository(api.db).put(new AccessKey("LTAIsecretsattest", AK_SECRET, "acct"), Instant.now());
      // Files as they are while the server runs (WAL not checkpointed) ...
      assertThat(rawBytes()).doesNotContain(PASSWORD).doesNotContain(HIDDEN).doesNotContain(AK_SECRET);
    }
    // ... and after it stopped.
    assertThat(rawBytes()).doesNotContain(PASSWORD).doesNotContain(HIDDEN).doesNotContain(AK_SECRET)
        .contains(SecretBox.PREFIX);
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      ContainerGroup g = new GroupRepository(db).get(id).orElseThrow();
      assertThat(g.spec().images().credentials().get(0).password()).isEqualTo(PASSWORD);
      assertThat(g.spec().containers().get(0).env().get(0).value()).isEqualTo(HIDDEN);
      assertThat(new GroupRepository(db).requestParams(id)).containsEntry("ImageRegistryCredential.1.Password", PASSWORD);
      assertThat(new AccessKeyRepository(db).find("LTAIsecretsattest").orElseThrow().secret()).isEqualTo(AK_SECRET);
    }
  }

  @Test
  void plaintextRowsOfAnEarlierVersionAreSealedOnOpen() throws Exception {
    String id;
    try (ApiHarness api = new ApiHarness(dir)) {
      id = api.call("CreateContainerGroup", create()).body().get("ContainerGroupId").asText();
    }
    // Rewrite the rows as an earlier version stored them: plain JSON, plain secret.
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      String spec = db.secrets().open(db.read(c -> one(c, "SELECT spec FROM container_groups")),
          GroupRepository.specContext(id));
      String params = db.secrets().open(db.read(c -> one(c, "SELECT params FROM group_requests")),
          GroupRepository.paramsContext(id));
      db.inTransaction(c -> {
        try (var ps = c.prepareStatement("UPDATE container_groups SET spec=?")) {
          ps.setString(1, spec);
          ps.executeUpdate();
        }
        try (var ps = c.prepareStatement("UPDATE group_requests SET params=?")) {
          ps.setString(1, params);
          ps.executeUpdate();
        }
        try (var ps = c.prepareStatement("INSERT INTO access_keys VALUES ('LTAIold', ?, 'acct', '2026-01-01T00:00:00Z')")) {
          ps.setString(1, AK_SECRET);
          ps.executeUpdate();
        }
        return null;
      });
    }
    assertThat(rawBytes()).contains(PASSWORD).contains(HIDDEN).contains(AK_SECRET); // the attack surface before
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      assertThat(rawBytes()).doesNotContain(PASSWORD).doesNotContain(HIDDEN).doesNotContain(AK_SECRET);
      assertThat(new GroupRepository(db).get(id).orElseThrow().spec().images().credentials().get(0).password())
          .isEqualTo(PASSWORD);
      assertThat(new AccessKeyRepository(db).find("LTAIold").orElseThrow().secret()).isEqualTo(AK_SECRET);
    }
    assertThat(rawBytes()).doesNotContain(PASSWORD).doesNotContain(HIDDEN).doesNotContain(AK_SECRET);
  }

  @Test
  void theKeyLivesOutsideTheDatabaseAndAWrongOrMissingKeyIsAClearError() throws Exception {
    Path data = dir.resolve("data");
    Path key = dir.resolve("elsewhere").resolve("openeci.key");
    try (Database db = Database.open(data.resolve("openeci.db"), key)) {
      new AccessKeyRepository(db).put(new AccessKey("LTAIk", AK_SECRET, "acct"), Instant.now());
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent()))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("openeci.db"))))
        .isEqualTo("rw-------");
    assertThat(Files.exists(data.resolve(SecretBox.KEY_FILE))).isFalse();
    // Missing key: refused, and no new key is made that could never open the sealed rows.
    assertThatThrownBy(() -> Database.open(data.resolve("openeci.db"), dir.resolve("missing.key")))
        .isInstanceOf(StoreException.class).hasMessageContaining("does not exist");
    assertThat(Files.exists(dir.resolve("missing.key"))).isFalse();
    // Another key: a clear error naming the key file, never a wrong secret.
    Path other = dir.resolve("other.key");
    SecretBox.open(other);
    try (Database db = Database.open(data.resolve("openeci.db"), other)) {
      assertThatThrownBy(() -> new AccessKeyRepository(db).find("LTAIk")).isInstanceOf(StoreException.class)
          .hasMessageContaining(other.toString());
    }
  }

  @Test
  void aDataDirectoryAndDatabaseLeftWideByAnEarlierVersionAreNarrowed() throws Exception {
    Path data = dir.resolve("old");
    Files.createDirectories(data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    Files.createFile(data.resolve("openeci.db"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rw-r--r--")));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x")); // umask may have narrowed it
    Files.setPosixFilePermissions(data.resolve("openeci.db"), PosixFilePermissions.fromString("rw-r--r--"));
    Database.open(data.resolve("openeci.db")).close();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("openeci.db"))))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(SecretBox.KEY_FILE))))
        .isEqualTo("rw-------");
  }

  @Test
  void aSealedValueOpensOnlyInItsOwnRow() {
    SecretBox box = SecretBox.open(dir.resolve("k"));
    String sealed = box.seal(AK_SECRET, SecretBox.context("access_keys", "secret", "LTAIa"));
    assertThat(sealed).startsWith(SecretBox.PREFIX).doesNotContain(AK_SECRET);
    assertThat(box.seal(AK_SECRET, "x")).isNotEqualTo(box.seal(AK_SECRET, "x")); // fresh nonce each time
    assertThat(box.open(sealed, SecretBox.context("access_keys", "secret", "LTAIa"))).isEqualTo(AK_SECRET);
    assertThatThrownBy(() -> box.open(sealed, SecretBox.context("access_keys", "secret", "LTAIb")))
        .isInstanceOf(StoreException.class);
    assertThat(box.open("plain", "any")).isEqualTo("plain");
  }

  private static String one(java.sql.Connection c, String sql) throws java.sql.SQLException {
    try (var rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
