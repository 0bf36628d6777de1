package dev.openeci.hostfs;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * The few libc calls the host-path code needs, through JNA (Linux only). Constants follow the
 * kernel's generic ABI; the two open flags that differ between x86_64 and the generic layout
 * (aarch64, riscv64) are chosen by {@code os.arch}.
 */
final class Libc {
  private Libc() {}

  interface C extends Library {
    int open(String path, int flags, int mode) throws LastErrorException;

    int openat(int dirfd, String path, int flags, int mode) throws LastErrorException;

    int mkdirat(int dirfd, String path, int mode) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int fchmod(int fd, int mode) throws LastErrorException;

    NativeLong write(int fd, Pointer buf, NativeLong count) throws LastErrorException;

    int statx(int dirfd, String path, int flags, int mask, Pointer buf) throws LastErrorException;

    int mount(String source, String target, String fstype, NativeLong flags, Pointer data) throws LastErrorException;

    int umount2(String target, int flags) throws LastErrorException;

    NativeLong syscall(NativeLong number, Object... args) throws LastErrorException;
  }

  static final C C = Native.load("c", C.class);

  private static final boolean X86 = System.getProperty("os.arch", "").matches("amd64|x86_64|x86|i386");
  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_CREAT = 0100;
  static final int O_EXCL = 0200;
  static final int O_NOCTTY = 0400;
  static final int O_DIRECTORY = X86 ? 0200000 : 040000;
  static final int O_NOFOLLOW = X86 ? 0400000 : 0100000;
  static final int O_CLOEXEC = 02000000;
  static final int O_PATH = 010000000;
  static final int AT_SYMLINK_NOFOLLOW = 0x100;
  static final int AT_EMPTY_PATH = 0x1000;
  static final int STATX_TYPE = 0x1;
  static final int STATX_MODE = 0x2;
  static final int STATX_INO = 0x100;
  static final int S_IFMT = 0170000;
  static final int S_IFDIR = 0040000;
  static final int S_IFREG = 0100000;
  static final int S_IFLNK = 0120000;
  static final long MS_BIND = 4096;
  static final int MNT_DETACH = 2;
  static final int UMOUNT_NOFOLLOW = 8;
  static final long SYS_OPENAT2 = 437; // the same number on every architecture
  static final long RESOLVE_NO_MAGICLINKS = 0x02;
  static final long RESOLVE_NO_SYMLINKS = 0x04;
  static final long RESOLVE_BENEATH = 0x08;
  static final int ENOENT = 2;
  static final int EINVAL = 22;
  static final int ENOTDIR = 20;
  static final int EEXIST = 17;
  static final int ELOOP = 40;
  static final int EXDEV = 18;
  static final int ENOSYS = 38;
  static final int EPERM = 1;
  static final int E2BIG = 7;

  /** File type and identity of an open descriptor (statx with AT_EMPTY_PATH: no path is looked up). */
  record Stat(int mode, long ino, int devMajor, int devMinor) {
    int type() {
      return mode & S_IFMT;
    }
  }

  static Stat fstat(int fd) {
    try (Memory buf = new Memory(256)) {
      buf.clear();
      C.statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE | STATX_INO, buf);
      // struct statx: stx_mode (u16) at 28, stx_ino (u64) at 32, stx_dev_major/minor (u32) at 136/140
      return new Stat(buf.getShort(28) & 0xffff, buf.getLong(32), buf.getInt(136), buf.getInt(140));
    }
  }

  static void closeQuietly(int fd) {
    if (fd < 0) return;
    try {
      C.close(fd);
    } catch (LastErrorException ignored) {
      // nothing to do
    }
  }
}
