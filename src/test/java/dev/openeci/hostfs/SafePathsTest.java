package dev.openeci.hostfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10, finding 1 and 2, on the real file system: every way a container can plant a link in a
 * volume is refused, with openat2 and with the per-component walk (kernels without openat2).
 */
class SafePathsTest {
  @TempDir
  Path tmp;

  @AfterEach
  void detect() {
    SafePaths.useOpenat2(null);
  }

  private Path root() throws IOException {
    Path root = tmp.resolve("vol");
    Files.createDirectories(root.resolve("a/b"));
    Files.writeString(root.resolve("a/b/file"), "inside\n");
    Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(tmp.resolve("outside/secret"), "host secret\n");
    return root;
  }

  /** mount(2) needs root (CAP_SYS_ADMIN), as the server has; the test machine runs tests as root. */
  private static void assumeRoot() {
    assumeTrue("root".equals(System.getProperty("user.name")), "bind mounts need root");
  }

  private static void mode(boolean openat2) {
    if (openat2) assumeTrue(SafePaths.openat2Available(), "kernel without openat2");
    SafePaths.useOpenat2(openat2);
  }

  @ParameterizedTest(name = "openat2={0}")
  @ValueSource(booleans = {true, false})
  void plainDirectoriesAndFilesResolve(boolean openat2) throws Exception {
    mode(openat2);
    Path root = root();
    try (SafePaths.Handle h = SafePaths.openBeneath(root, "a/b", false, 0777)) {
      assertThat(h.directory()).isTrue();
      assertThat(Files.readString(Path.of(h.procPath()).resolve("file"))).isEqualTo("inside\n");
    }
    try (SafePaths.Handle h = SafePaths.openBeneath(root, "./a//b/file", false, 0777)) {
      assertThat(h.directory()).isFalse();
    }
    try (SafePaths.Handle h = SafePaths.openBeneath(root, "", false, 0777)) {
      assertThat(h.directory()).isTrue();
    }
  }

  @ParameterizedTest(name = "openat2={0}")
  @ValueSource(booleans = {true, false})
  void missingDirectoriesAreCreatedWithTheirMode(boolean openat2) throws Exception {
    mode(openat2);
    Path root = root();
    try (SafePaths.Handle h = SafePaths.openBeneath(root, "a/new/deeper", true, 0777)) {
      assertThat(h.directory()).isTrue();
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("a/new/deeper"))))
        .isEqualTo("rwxrwxrwx");
    assertThatThrownBy(() -> SafePaths.openBeneath(root, "a/missing", false, 0777))
        .isInstanceOf(java.nio.file.NoSuchFileException.class);
    assertThatThrownBy(() -> SafePaths.openBeneath(root, "a/missing/deeper", false, 0777))
        .isInstanceOf(java.nio.file.NoSuchFileException.class);
  }

  @ParameterizedTest(name = "openat2={0}")
  @ValueSource(booleans = {true, false})
  void aLinkAtTheFirstComponentIsRefused(boolean openat2) throws Exception {
    mode(openat2);
    Path root = root();
    Files.createSymbolicLink(root.resolve("x"), Path.of("/"));
    assertThatThrownBy(() -> SafePaths.openBeneath(root, "x", true, 0777)).isInstanceOf(SafePaths.Refused.class)
        .hasMessageContaining("symbolic link");
    assertThatThrownBy(() -> SafePaths.openBeneath(root, "x/etc", true, 0777)).isInstanceOf(SafePaths.Refused.class);
  }

  @ParameterizedTest(name = "openat2={0}")
  @ValueSource(booleans = {true, false})
  void aLinkInTheMiddleIsRefusedAndNothingIsCreatedThroughIt(boolean openat2) throws Exception {
    mode(openat2);
    Path root = root();
    Files.createSymbolicLink(root.resolve("a/l"), tmp.resolve("outside"));
    assertThatThrownBy(() -> SafePaths.openBeneath(root, "a/l/secret", false, 0777))
        .isInstanceOf(SafePaths.Refused.class);
    assertThatThrownBy(() -> SafePaths.openBeneath(root, "a/l/made", true, 0777))
        .isInstanceOf(SafePaths.Refused.class);
    assertThat(tmp.resolve("outside/made")).doesNotExist();
  }

  @ParameterizedTest(name = "openat2={0}")
  @ValueSource(booleans = {true, false})
  void aLinkAtTheLastComponentIsRefusedEvenWhenItStaysInside(boolean openat2) throws Exception {
    mode(openat2);
    Path root = root();
    Files.createSymbolicLink(root.resolve("a/abs"), tmp.resolve("outside/secret"));
    Files.createSymbolicLink(root.resolve("a/rel"), Path.of("b"));
    Files.createSymbolicLink(root.resolve("a/up"), Path.of("../../outside"));
    for (String p : new String[] {"a/abs", "a/rel", "a/up", "a/up/secret"}) {
      assertThatThrownBy(() -> SafePaths.openBeneath(root, p, true, 0777)).as(p)
          .isInstanceOf(SafePaths.Refused.class);
    }
  }

  @ParameterizedTest(name = "openat2={0}")
  @ValueSource(booleans = {true, false})
  void dotDotAbsoluteNulAndSpecialFilesAreRefused(boolean openat2) throws Exception {
    mode(openat2);
    Path root = root();
    for (String p : new String[] {"..", "a/../../outside", "a/b/../../..", "/etc", "a\0b"}) {
      assertThatThrownBy(() -> SafePaths.openBeneath(root, p, true, 0777)).as(p)
          .isInstanceOf(SafePaths.Refused.class);
    }
    Process fifo = new ProcessBuilder("mkfifo", root.resolve("a/fifo").toString()).start();
    assertThat(fifo.waitFor()).isZero();
    assertThatThrownBy(() -> SafePaths.openBeneath(root, "a/fifo", false, 0777))
        .isInstanceOf(SafePaths.Refused.class).hasMessageContaining("neither a directory nor a regular file");
  }

  @Test
  void theRootItselfBeingALinkIsRefused() throws Exception {
    Path root = root();
    Path link = tmp.resolve("rootlink");
    Files.createSymbolicLink(link, tmp.resolve("outside"));
    assertThatThrownBy(() -> SafePaths.openBeneath(link, "secret", false, 0777)).isInstanceOf(IOException.class);
    assertThat(root).exists();
  }

  /** The race: the directory is swapped for a link after it was resolved; the mount stays on the original. */
  @ParameterizedTest(name = "openat2={0}")
  @ValueSource(booleans = {true, false})
  void aDirectorySwappedForALinkAfterTheCheckDoesNotRedirectTheMount(boolean openat2) throws Exception {
    mode(openat2);
    assumeRoot();
    Path root = root();
    Path target = tmp.resolve("mounts/0");
    try (SafePaths.Handle h = SafePaths.openBeneath(root, "a/b", false, 0777)) {
      // the container's move, between the check and the mount
      Files.move(root.resolve("a"), root.resolve("a-moved"));
      Files.createDirectories(root.resolve("a"));
      Files.createSymbolicLink(root.resolve("a/b"), tmp.resolve("outside"));
      SafePaths.bindMount(h, target);
    }
    try {
      assertThat(SafePaths.isMountPoint(target)).isTrue();
      assertThat(target.resolve("file")).hasContent("inside");
      assertThat(target.resolve("secret")).doesNotExist();
    } finally {
      SafePaths.unmountAll(target);
    }
    assertThat(SafePaths.isMountPoint(target)).isFalse();
    assertThat(target).isEmptyDirectory();
  }

  @Test
  void aFileSubPathIsMountedOntoAFile() throws Exception {
    assumeRoot();
    Path root = root();
    Path target = tmp.resolve("mounts/f");
    try (SafePaths.Handle h = SafePaths.openBeneath(root, "a/b/file", false, 0777)) {
      SafePaths.bindMount(h, target);
    }
    try {
      assertThat(target).isRegularFile().hasContent("inside");
      assertThat(SafePaths.mountsUnder(tmp.resolve("mounts"))).containsExactly(target);
    } finally {
      assertThat(SafePaths.unmountUnder(tmp.resolve("mounts"))).isEqualTo(1);
    }
    assertThat(SafePaths.mountsUnder(tmp.resolve("mounts"))).isEmpty();
  }

  @Test
  void newFilesAreNeverWrittenThroughLinks() throws Exception {
    Path root = root();
    Path cfg = tmp.resolve("cfg");
    Files.createDirectories(cfg);
    SafePaths.writeNewFile(cfg, "sub/dir/x.conf", "a=1\n".getBytes(), 0440, 0755);
    assertThat(cfg.resolve("sub/dir/x.conf")).hasContent("a=1");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cfg.resolve("sub/dir/x.conf"))))
        .isEqualTo("r--r-----");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cfg.resolve("sub"))))
        .isEqualTo("rwxr-xr-x");
    // a planted link as the file, and as a directory on the way
    Files.createSymbolicLink(cfg.resolve("planted"), tmp.resolve("outside/secret"));
    Files.createSymbolicLink(cfg.resolve("dirlink"), tmp.resolve("outside"));
    assertThatThrownBy(() -> SafePaths.writeNewFile(cfg, "planted", "pwned".getBytes(), 0644, 0755))
        .isInstanceOf(SafePaths.Refused.class);
    assertThatThrownBy(() -> SafePaths.writeNewFile(cfg, "dirlink/secret", "pwned".getBytes(), 0644, 0755))
        .isInstanceOf(SafePaths.Refused.class);
    assertThatThrownBy(() -> SafePaths.writeNewFile(cfg, "dirlink/new", "pwned".getBytes(), 0644, 0755))
        .isInstanceOf(SafePaths.Refused.class);
    assertThat(tmp.resolve("outside/secret")).hasContent("host secret");
    assertThat(tmp.resolve("outside/new")).doesNotExist();
    assertThat(root).exists();
  }

  @Test
  void deletingATreeRemovesLinksNotTheirTargetsAndStopsAtMounts() throws Exception {
    assumeRoot();
    Path root = root();
    Files.createSymbolicLink(root.resolve("a/out"), tmp.resolve("outside"));
    Files.createSymbolicLink(root.resolve("top"), tmp.resolve("outside/secret"));
    SafePaths.deleteTree(root);
    assertThat(root).doesNotExist();
    assertThat(tmp.resolve("outside/secret")).hasContent("host secret");

    Path tree = tmp.resolve("tree");
    Path target = tree.resolve("m");
    try (SafePaths.Handle h = SafePaths.openBeneath(tmp, "outside", false, 0777)) {
      SafePaths.bindMount(h, target);
    }
    try {
      assertThatThrownBy(() -> SafePaths.deleteTree(tree)).hasMessageContaining("another file system");
      assertThat(tmp.resolve("outside/secret")).hasContent("host secret");
    } finally {
      SafePaths.unmountAll(target);
    }
    SafePaths.deleteTree(tree);
    assertThat(tree).doesNotExist();
    SafePaths.deleteTree(tree); // missing is fine
  }
}
