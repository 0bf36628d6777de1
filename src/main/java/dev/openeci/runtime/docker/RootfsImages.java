package dev.openeci.runtime.docker;

import dev.openeci.runtime.RuntimeFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Images built locally from the host's busybox-static, imported through the engine API (no
 * registry involved): the minimal sandbox image and a full busybox image for tests and examples.
 */
public final class RootfsImages {
  public static final Path HOST_BUSYBOX = Path.of("/bin/busybox");

  private RootfsImages() {}

  /** A rootfs with busybox and the applets a sandbox needs ({@code sh}, {@code sleep}). */
  public static byte[] minimal() {
    return tar(List.of("sh", "sleep"));
  }

  /** A rootfs with every busybox applet linked under /bin, users root/nobody/app(1000), /tmp, /www. */
  public static byte[] fullBusybox() {
    return tar(applets());
  }

  static List<String> applets() {
    try {
      Process p = new ProcessBuilder(HOST_BUSYBOX.toString(), "--list").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) throw new RuntimeFailure("busybox --list failed: " + out);
      List<String> names = new ArrayList<>();
      for (String line : out.split("\n")) {
        String n = line.trim();
        if (!n.isEmpty() && !n.equals("busybox") && n.matches("[A-Za-z0-9_.\\[\\]-]+")) names.add(n);
      }
      return names;
    } catch (IOException e) {
      throw new RuntimeFailure("cannot run " + HOST_BUSYBOX + " (install the busybox-static package): " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeFailure("interrupted");
    }
  }

  static byte[] tar(List<String> applets) {
    byte[] busybox;
    try {
      busybox = Files.readAllBytes(HOST_BUSYBOX);
    } catch (IOException e) {
      throw new RuntimeFailure(HOST_BUSYBOX + " is missing: install the busybox-static package"
          + " (scripts/setup-engine.sh does)");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(busybox.length + 64 * 1024);
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      dir(tar, "bin/", 0755);
      dir(tar, "etc/", 0755);
      dir(tar, "tmp/", 01777);
      dir(tar, "www/", 0755);
      dir(tar, "root/", 0700);
      dir(tar, "home/", 0755);
      dir(tar, "home/app/", 0755, 1000);
      dir(tar, "proc/", 0755);
      dir(tar, "sys/", 0755);
      dir(tar, "dev/", 0755);
      dir(tar, "run/", 0755);
      dir(tar, "var/", 0755);
      file(tar, "bin/busybox", busybox, 0755);
      for (String a : applets) {
        TarArchiveEntry link = new TarArchiveEntry("bin/" + a, TarArchiveEntry.LF_SYMLINK);
        link.setLinkName("busybox");
        tar.putArchiveEntry(link);
        tar.closeArchiveEntry();
      }
      file(tar, "etc/passwd", ("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n"
          + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n").getBytes(StandardCharsets.UTF_8), 0644);
      file(tar, "etc/group", "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n".getBytes(StandardCharsets.UTF_8), 0644);
      tar.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void dir(TarArchiveOutputStream tar, String name, int mode) throws IOException {
    dir(tar, name, mode, 0);
  }

  private static void dir(TarArchiveOutputStream tar, String name, int mode, int owner) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(TarArchiveEntry.DEFAULT_DIR_MODE & ~07777 | mode | 040000);
    e.setIds(owner, owner);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream tar, String name, byte[] content, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(content.length);
    e.setMode(0100000 | mode);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }
}
