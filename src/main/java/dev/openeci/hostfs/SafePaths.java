package dev.openeci.hostfs;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Host paths a container can influence, handled without ever following a link out of their root
 * (docs/security.md, "Host and volumes"). A container can put symbolic links anywhere in a volume
 * it writes (an EmptyDir, a disk, a host path) and swap a directory for a link at any moment; so
 * nothing here resolves a path below a root by name in one go:
 *
 * <ul>
 *   <li>{@link #openBeneath} opens a sub-path below a root with {@code openat2(RESOLVE_BENEATH |
 *       RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)}, or, on kernels without openat2, one component
 *       at a time with {@code openat(O_NOFOLLOW)} relative to the parent's descriptor; missing
 *       directories are made with {@code mkdirat} relative to their parent's descriptor.
 *   <li>{@link #bindMount} bind-mounts that descriptor ({@code /proc/self/fd/N}) onto a
 *       server-owned path, which is what the engine is given: a link planted after the check
 *       cannot redirect the mount (the kubelet's fix for CVE-2017-1002101).
 *   <li>{@link #writeNewFile} creates files with {@code O_CREAT|O_EXCL|O_NOFOLLOW} relative to a
 *       directory descriptor; {@link #deleteTree} removes a tree through a
 *       {@link SecureDirectoryStream} (no link followed) and refuses to cross into another mount.
 * </ul>
 */
public final class SafePaths {
  private SafePaths() {}

  /** A sub-path that cannot be used safely (a link, "..", a device...): the message says why. */
  public static final class Refused extends IOException {
    Refused(String message) {
      super(message);
    }
  }

  /** An open {@code O_PATH} descriptor of a resolved sub-path. */
  public static final class Handle implements AutoCloseable {
    private int fd;
    private final boolean directory;

    Handle(int fd, boolean directory) {
      this.fd = fd;
      this.directory = directory;
    }

    public boolean directory() {
      return directory;
    }

    /** The magic link that names exactly this file, whatever happens to its path meanwhile. */
    public String procPath() {
      return "/proc/self/fd/" + fd;
    }

    @Override
    public void close() {
      Libc.closeQuietly(fd);
      fd = -1;
    }
  }

  private static volatile Boolean openat2 = null;

  /** True when the kernel has openat2 (Linux 5.6+) and no seccomp filter refuses it. */
  public static boolean openat2Available() {
    Boolean known = openat2;
    if (known != null) return known;
    boolean ok;
    int fd = -1;
    try {
      fd = openat2(-100 /* AT_FDCWD */, "/", Libc.O_PATH | Libc.O_CLOEXEC, 0);
      ok = true;
    } catch (LastErrorException e) {
      ok = false;
    } finally {
      Libc.closeQuietly(fd);
    }
    openat2 = ok;
    return ok;
  }

  /** For tests: force the per-component walk (as on a kernel without openat2), or back to detection. */
  static void useOpenat2(Boolean use) {
    openat2 = use;
  }

  private static int openat2(int dirfd, String path, int flags, long resolve) {
    try (Memory how = new Memory(24)) {
      how.setLong(0, flags);
      how.setLong(8, 0);
      how.setLong(16, resolve);
      return Libc.C.syscall(new NativeLong(Libc.SYS_OPENAT2), dirfd, path, how, new NativeLong(24)).intValue();
    }
  }

  /** The components of a relative sub-path ("" and "." dropped); ".." and NUL refused. */
  static List<String> components(String rel) throws Refused {
    if (rel.indexOf('\0') >= 0) throw new Refused("sub-path contains a NUL character");
    if (rel.startsWith("/")) throw new Refused("sub-path \"" + rel + "\" is absolute");
    List<String> out = new ArrayList<>();
    for (String c : rel.split("/")) {
      if (c.isEmpty() || c.equals(".")) continue;
      if (c.equals("..")) throw new Refused("sub-path \"" + rel + "\" contains \"..\"");
      if (c.getBytes(StandardCharsets.UTF_8).length > 255) throw new Refused("a component of the sub-path is too long");
      out.add(c);
    }
    return out;
  }

  /**
   * Opens {@code rel} below {@code root} without following any symbolic link (the root itself
   * included); with {@code createDirs}, missing components are created as directories of
   * {@code dirMode} (exactly, umask aside). The result is a directory or a regular file;
   * anything else (a link, a device, a socket, a FIFO) is refused.
   */
  public static Handle openBeneath(Path root, String rel, boolean createDirs, int dirMode) throws IOException {
    List<String> parts = components(rel);
    int rootFd = openRoot(root);
    try {
      if (parts.isEmpty()) {
        int fd = rootFd;
        rootFd = -1;
        return new Handle(fd, true);
      }
      if (openat2Available()) {
        try {
          int fd = openat2(rootFd, String.join("/", parts), Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC,
              Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_SYMLINKS | Libc.RESOLVE_NO_MAGICLINKS);
          return checked(fd, rel, parts.get(parts.size() - 1));
        } catch (LastErrorException e) {
          int errno = e.getErrorCode();
          if (errno == Libc.ELOOP || errno == Libc.EXDEV) {
            throw new Refused("sub-path \"" + rel + "\" goes through a symbolic link");
          }
          if (errno == Libc.ENOTDIR) throw new Refused("a component of sub-path \"" + rel + "\" is not a directory");
          if (errno == Libc.ENOSYS || errno == Libc.EPERM || errno == Libc.E2BIG) {
            openat2 = false;
          } else if (errno == Libc.ENOENT && !createDirs) {
            throw new NoSuchFileException(rel);
          } else if (errno != Libc.ENOENT) {
            throw errnoFailure("open sub-path \"" + rel + "\"", e);
          }
          // missing components: the walk below creates them
        }
      }
      return walk(rootFd, rel, parts, createDirs, dirMode);
    } finally {
      Libc.closeQuietly(rootFd);
    }
  }

  private static int openRoot(Path root) throws IOException {
    try {
      return Libc.C.open(root.toString(), Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Libc.ENOENT) throw new NoSuchFileException(root.toString());
      throw errnoFailure("open volume root " + root, e);
    }
  }

  private static Handle walk(int rootFd, String rel, List<String> parts, boolean createDirs, int dirMode)
      throws IOException {
    int cur = rootFd;
    try {
      for (int i = 0; i < parts.size(); i++) {
        String name = parts.get(i);
        boolean last = i == parts.size() - 1;
        int fd;
        try {
          fd = Libc.C.openat(cur, name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
          if (e.getErrorCode() == Libc.ENOENT && !createDirs) throw new NoSuchFileException(rel);
          if (e.getErrorCode() != Libc.ENOENT) throw errnoFailure("open sub-path \"" + rel + "\"", e);
          makeDir(cur, name, dirMode);
          fd = Libc.C.openat(cur, name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        }
        if (!last) {
          int type = typeOf(fd);
          if (type != Libc.S_IFDIR) {
            Libc.closeQuietly(fd);
            throw new Refused(type == Libc.S_IFLNK ? "sub-path \"" + rel + "\" goes through a symbolic link"
                : "a component of sub-path \"" + rel + "\" is not a directory");
          }
          if (cur != rootFd) Libc.closeQuietly(cur);
          cur = fd;
        } else {
          if (cur != rootFd) Libc.closeQuietly(cur);
          cur = rootFd;
          return checked(fd, rel, name);
        }
      }
      throw new IllegalStateException("unreachable");
    } catch (LastErrorException e) {
      throw errnoFailure("open sub-path \"" + rel + "\"", e);
    } finally {
      if (cur != rootFd) Libc.closeQuietly(cur);
    }
  }

  /** mkdirat relative to the parent's descriptor, then the exact mode (through a no-follow descriptor). */
  private static void makeDir(int parentFd, String name, int mode) {
    try {
      Libc.C.mkdirat(parentFd, name, 0700);
    } catch (LastErrorException e) {
      if (e.getErrorCode() != Libc.EEXIST) throw e;
      return; // made concurrently: leave its mode alone
    }
    int fd = Libc.C.openat(parentFd, name, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
    try {
      Libc.C.fchmod(fd, mode);
    } finally {
      Libc.closeQuietly(fd);
    }
  }

  private static Handle checked(int fd, String rel, String name) throws Refused {
    int type = typeOf(fd);
    if (type == Libc.S_IFDIR || type == Libc.S_IFREG) return new Handle(fd, type == Libc.S_IFDIR);
    Libc.closeQuietly(fd);
    if (type == Libc.S_IFLNK) throw new Refused("sub-path \"" + rel + "\" is a symbolic link");
    throw new Refused("sub-path \"" + rel + "\" is neither a directory nor a regular file");
  }

  private static int typeOf(int fd) {
    return Libc.fstat(fd).type();
  }

  private static IOException errnoFailure(String what, LastErrorException e) {
    return new IOException("cannot " + what + ": errno " + e.getErrorCode() + " (" + e.getMessage() + ")");
  }

  // --- mounts ----------------------------------------------------------------------------------------------

  /**
   * Bind-mounts the file {@code h} names onto {@code target}, a server-owned path (created as an
   * empty directory or file to match; whatever was mounted there before is unmounted first).
   */
  public static void bindMount(Handle h, Path target) throws IOException {
    unmountAll(target);
    Files.createDirectories(target.getParent());
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)
        && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS) != h.directory()) {
      deleteTree(target);
    }
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      if (h.directory()) {
        Files.createDirectory(target);
      } else {
        Files.createFile(target);
      }
    }
    try {
      Libc.C.mount(h.procPath(), target.toString(), null, new NativeLong(Libc.MS_BIND), null);
    } catch (LastErrorException e) {
      throw errnoFailure("bind-mount onto " + target, e);
    }
  }

  /** Unmounts (lazily, MNT_DETACH) every mount stacked on {@code target}; nothing mounted is fine. */
  public static void unmountAll(Path target) throws IOException {
    for (int i = 0; i < 64 && isMountPoint(target); i++) {
      try {
        Libc.C.umount2(target.toString(), Libc.MNT_DETACH | Libc.UMOUNT_NOFOLLOW);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Libc.EINVAL || e.getErrorCode() == Libc.ENOENT) return;
        throw errnoFailure("unmount " + target, e);
      }
    }
  }

  /** Unmounts every mount at or below {@code dir} (deepest first); returns how many it found. */
  public static int unmountUnder(Path dir) throws IOException {
    List<Path> found = mountsUnder(dir);
    for (Path p : found) unmountAll(p);
    return found.size();
  }

  public static boolean isMountPoint(Path p) throws IOException {
    String s = p.toAbsolutePath().normalize().toString();
    for (String mp : mountPoints()) {
      if (mp.equals(s)) return true;
    }
    return false;
  }

  /** Mount points at or below {@code dir}, deepest first (from /proc/self/mountinfo). */
  public static List<Path> mountsUnder(Path dir) throws IOException {
    String base = dir.toAbsolutePath().normalize().toString();
    List<Path> out = new ArrayList<>();
    for (String mp : mountPoints()) {
      if (mp.equals(base) || mp.startsWith(base + "/")) out.add(Path.of(mp));
    }
    out.sort(Comparator.comparingInt((Path p) -> p.getNameCount()).reversed());
    return out;
  }

  private static List<String> mountPoints() throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4) out.add(unescape(f[4]));
    }
    return out;
  }

  /** mountinfo escapes space, tab, newline and backslash as \ooo. */
  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) return s;
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  // --- files the server writes -----------------------------------------------------------------------------

  /**
   * Creates the new file {@code rel} below {@code root} with {@code content} and exactly
   * {@code mode}; missing directories are made with {@code dirMode}. No link is followed and an
   * existing file is never overwritten ({@code O_CREAT|O_EXCL|O_NOFOLLOW}).
   */
  public static void writeNewFile(Path root, String rel, byte[] content, int mode, int dirMode) throws IOException {
    List<String> parts = components(rel);
    if (parts.isEmpty()) throw new Refused("file path \"" + rel + "\" names the volume itself");
    int cur;
    try {
      cur = Libc.C.open(root.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw errnoFailure("open " + root, e);
    }
    try {
      for (int i = 0; i < parts.size() - 1; i++) {
        int next;
        try {
          next = Libc.C.openat(cur, parts.get(i), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
          if (e.getErrorCode() != Libc.ENOENT) throw e;
          makeDir(cur, parts.get(i), dirMode);
          next = Libc.C.openat(cur, parts.get(i), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        }
        Libc.closeQuietly(cur);
        cur = next;
      }
      int fd = Libc.C.openat(cur, parts.get(parts.size() - 1),
          Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0600);
      try {
        if (content.length > 0) {
          try (Memory buf = new Memory(content.length)) {
            buf.write(0, content, 0, content.length);
            long off = 0;
            while (off < content.length) {
              long n = Libc.C.write(fd, buf.share(off), new NativeLong(content.length - off)).longValue();
              if (n <= 0) throw new IOException("short write to " + rel);
              off += n;
            }
          }
        }
        Libc.C.fchmod(fd, mode);
      } finally {
        Libc.closeQuietly(fd);
      }
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Libc.ELOOP || e.getErrorCode() == Libc.ENOTDIR || e.getErrorCode() == Libc.EEXIST) {
        throw new Refused("cannot create \"" + rel + "\": a component exists and is not a plain directory or the"
            + " file exists (errno " + e.getErrorCode() + ")");
      }
      throw errnoFailure("write " + rel, e);
    } finally {
      Libc.closeQuietly(cur);
    }
  }

  /**
   * Deletes {@code dir} and everything below it without following a link (a link is removed, not
   * its target) and without entering another file system: a mount below {@code dir} makes it fail
   * before anything on that mount is touched. Missing is fine.
   */
  public static void deleteTree(Path dir) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    }
    if (!a.isDirectory()) {
      Files.deleteIfExists(dir);
      return;
    }
    // A bind mount from the same file system has the same device: the mount table tells.
    List<Path> mounted = mountsUnder(dir);
    if (!mounted.isEmpty()) {
      throw new IOException("refusing to delete " + dir + ": another file system is mounted at " + mounted.get(0));
    }
    String dev = dev(a);
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      if (!(ds instanceof SecureDirectoryStream<Path> sds)) {
        throw new IOException("this platform has no SecureDirectoryStream: refusing to delete " + dir);
      }
      deleteChildren(sds, dir, dev);
    }
    Files.deleteIfExists(dir);
  }

  private static void deleteChildren(SecureDirectoryStream<Path> sds, Path where, String dev) throws IOException {
    List<Path> names = new ArrayList<>();
    for (Path p : sds) names.add(p.getFileName());
    for (Path name : names) {
      BasicFileAttributes a;
      try {
        a = sds.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
      } catch (NoSuchFileException e) {
        continue;
      }
      if (a.isDirectory()) {
        try (SecureDirectoryStream<Path> child = sds.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
          BasicFileAttributes opened = child.getFileAttributeView(BasicFileAttributeView.class).readAttributes();
          if (!dev.equals(dev(opened))) {
            throw new IOException("refusing to delete below " + where.resolve(name) + ": another file system is"
                + " mounted there");
          }
          deleteChildren(child, where.resolve(name), dev);
        }
        sds.deleteDirectory(name);
      } else {
        sds.deleteFile(name);
      }
    }
  }

  /** The device part of a Unix file key, "(dev=…,ino=…)". */
  private static String dev(BasicFileAttributes a) {
    String k = String.valueOf(a.fileKey());
    int comma = k.indexOf(',');
    return comma < 0 ? k : k.substring(0, comma);
  }
}
