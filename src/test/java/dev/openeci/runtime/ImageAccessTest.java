package dev.openeci.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10: an image pulled with credentials is used without a pull only by the accounts that pulled it. */
class ImageAccessTest {
  @TempDir
  Path dir;

  @Test
  void privateImagesBelongToTheAccountsWhosePullSucceeded() throws Exception {
    ImageAccess access = new ImageAccess(dir.resolve("image-access"));
    assertThat(access.mayUse("b", "sha256:1")).as("an image nobody pulled with credentials").isTrue();
    access.recordPull("a", "sha256:1", false);
    assertThat(access.mayUse("b", "sha256:1")).as("pulled without credentials: public").isTrue();
    access.recordPull("a", "sha256:2", true);
    assertThat(access.mayUse("a", "sha256:2")).isTrue();
    assertThat(access.mayUse("b", "sha256:2")).as("A's private image").isFalse();
    access.recordPull("b", "sha256:2", false); // B's own pull succeeded (the registry let B have it)
    assertThat(access.mayUse("b", "sha256:2")).isTrue();
    access.recordPull("a", "sha256:2", true); // recorded twice: fine
    // Kept across restarts (a new instance on the same directory), in 0700 directories.
    ImageAccess again = new ImageAccess(dir.resolve("image-access"));
    assertThat(again.mayUse("c", "sha256:2")).isFalse();
    assertThat(again.mayUse("b", "sha256:2")).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("image-access"))))
        .isEqualTo("rwx------");
  }
}
