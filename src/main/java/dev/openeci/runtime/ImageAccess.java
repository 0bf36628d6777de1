package dev.openeci.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Which accounts may use a local image without pulling it (docs/security.md). The engine's images
 * are shared by every account, and a present image is not pulled again (IfNotPresent); so an
 * image that was pulled <em>with registry credentials</em> is private: it is used without a pull
 * only by the accounts whose own pull of it succeeded. Another account must pull it, with its own
 * credentials; the registry decides. Images identified by the engine's image id, so another name
 * for the same image does not get around it.
 *
 * <p>Kept as empty files below {@code <data-dir>/image-access/} (0700), so it survives restarts:
 * {@code private/<sha256(image id)>} and {@code accounts/<sha256(account)>/<sha256(image id)>}.
 */
public final class ImageAccess {
  private final Path dir;

  public ImageAccess(Path dir) {
    this.dir = dir;
  }

  /** True when the account may use the local image {@code imageId} without pulling it first. */
  public boolean mayUse(String accountId, String imageId) {
    if (!Files.exists(dir.resolve("private").resolve(hash(imageId)))) return true;
    return Files.exists(dir.resolve("accounts").resolve(hash(accountId)).resolve(hash(imageId)));
  }

  /** Records a successful pull of {@code imageId} by the account ({@code withCredentials}: it is private). */
  public void recordPull(String accountId, String imageId, boolean withCredentials) {
    try {
      touch(dir.resolve("accounts").resolve(hash(accountId)).resolve(hash(imageId)));
      if (withCredentials) touch(dir.resolve("private").resolve(hash(imageId)));
    } catch (IOException e) {
      throw new RuntimeFailure("cannot record the pull of image " + imageId + ": " + e.getMessage(), e);
    }
  }

  private void touch(Path file) throws IOException {
    for (Path p : new Path[] {dir, file.getParent().getParent(), file.getParent()}) {
      if (Files.isDirectory(p)) continue;
      try {
        Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (FileAlreadyExistsException e) {
        // made concurrently
      }
    }
    try {
      Files.createFile(file);
    } catch (FileAlreadyExistsException e) {
      // recorded before
    }
  }

  private static String hash(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
