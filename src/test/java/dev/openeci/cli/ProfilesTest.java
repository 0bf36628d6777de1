package dev.openeci.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfilesTest {
  @TempDir
  Path dir;

  Map<String, String> env(String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("OPENECI_CONFIG", dir.resolve("cfg/config.json").toString());
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  @Test
  void writesA0600FileAndReadsItBack() throws Exception {
    Map<String, String> env = env();
    Path f = Profiles.write(env, "default", new Profiles.Profile("h:1", "id1", "s1", "r1"));
    Profiles.write(env, "other", new Profiles.Profile("h:2", "id2", "s2", "r2"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
    assertThat(Profiles.resolve(env, null, null, null, dir)).isEqualTo(new Profiles.Profile("h:1", "id1", "s1", "r1"));
    assertThat(Profiles.resolve(env, "other", null, null, dir)).isEqualTo(new Profiles.Profile("h:2", "id2", "s2", "r2"));
    assertThat(Profiles.resolve(env("OPENECI_PROFILE", "other"), null, null, null, dir).accessKeyId()).isEqualTo("id2");
  }

  @Test
  void environmentBeatsTheDefaultProfileAndAnExplicitProfileBeatsTheEnvironment() throws Exception {
    Map<String, String> env = env("OPENECI_ENDPOINT", "envhost:9", "OPENECI_ACCESS_KEY_ID", "envid",
        "OPENECI_ACCESS_KEY_SECRET", "envsecret");
    Profiles.write(env, "default", new Profiles.Profile("h:1", "id1", "s1", "r1"));
    Profiles.write(env, "p", new Profiles.Profile("h:2", "id2", "s2", "r2"));
    assertThat(Profiles.resolve(env, null, null, null, dir)).isEqualTo(
        new Profiles.Profile("envhost:9", "envid", "envsecret", "r1"));
    assertThat(Profiles.resolve(env, "p", null, null, dir)).isEqualTo(new Profiles.Profile("h:2", "id2", "s2", "r2"));
    assertThat(Profiles.resolve(env, "p", "flag:3", "rf", dir)).isEqualTo(new Profiles.Profile("flag:3", "id2", "s2",
        "rf"));
    assertThatThrownBy(() -> Profiles.resolve(env, "missing", null, null, dir)).isInstanceOf(CliException.class)
        .hasMessageContaining("no profile \"missing\"");
  }

  @Test
  void withoutAnyKeyTheLocalServersAdminCredentialsAreUsed() throws Exception {
    Files.writeString(dir.resolve("admin-credentials"), "OPENECI_ACCESS_KEY_ID=adm\nOPENECI_ACCESS_KEY_SECRET=sec\n");
    assertThat(Profiles.resolve(env(), null, null, null, dir)).isEqualTo(
        new Profiles.Profile("127.0.0.1:8080", "adm", "sec", "cn-hangzhou"));
    assertThatThrownBy(() -> Profiles.resolve(env(), null, null, null, dir.resolve("nothing")))
        .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode).isEqualTo(2))
        .hasMessageContaining("OPENECI_ACCESS_KEY_ID");
  }

  @Test
  void endpointsMayCarryASchemeAndSlash() {
    assertThat(EciClient.baseUri("127.0.0.1:8080").toString()).isEqualTo("http://127.0.0.1:8080/");
    assertThat(EciClient.baseUri("https://eci.example:443/").toString()).isEqualTo("https://eci.example:443/");
  }
}
