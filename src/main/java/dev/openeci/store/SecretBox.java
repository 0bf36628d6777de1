package dev.openeci.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Secrets at rest (docs/security.md): values sealed with AES-256-GCM under a key kept outside the
 * database, in a key file ({@code <data-dir>/secret.key} by default, mode 0600, made on first
 * start; {@code serve --secret-key-file} or {@code OPENECI_SECRET_KEY_FILE} put it elsewhere).
 * A sealed value is {@code enc1:} + base64(12-byte nonce || ciphertext || tag), bound to where it
 * is stored (table, column, row id) so a value copied to another row does not open.
 */
public final class SecretBox {
  public static final String PREFIX = "enc1:";
  public static final String KEY_FILE = "secret.key";
  public static final String KEY_FILE_ENV = "OPENECI_SECRET_KEY_FILE";
  private static final int NONCE = 12;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKey key;
  private final Path file;

  private SecretBox(SecretKey key, Path file) {
    this.key = key;
    this.file = file;
  }

  /** The key file of a data directory: {@code OPENECI_SECRET_KEY_FILE} when set, else {@code <dataDir>/secret.key}. */
  public static Path keyFile(Path dataDir, Map<String, String> env) {
    String f = env == null ? null : env.get(KEY_FILE_ENV);
    return f != null && !f.isBlank() ? Path.of(f) : dataDir.resolve(KEY_FILE);
  }

  /** Reads the key, or creates it (32 random bytes, base64, mode 0600) when the file does not exist. */
  public static SecretBox open(Path file) {
    try {
      if (!Files.exists(file)) {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
          Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        try {
          Files.writeString(Files.createFile(file,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
              Base64.getEncoder().encodeToString(raw) + "\n", StandardCharsets.US_ASCII);
        } catch (FileAlreadyExistsException raced) {
          // another process (accesskey create) made it first: read theirs
        }
      }
      byte[] raw;
      try {
        raw = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("secret key file " + file + " is not base64");
      }
      if (raw.length != 32) throw new IllegalStateException("secret key file " + file + " must hold 32 bytes (base64)");
      return new SecretBox(new SecretKeySpec(raw, "AES"), file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the secret key file " + file, e);
    }
  }

  public Path file() {
    return file;
  }

  public static boolean sealed(String stored) {
    return stored != null && stored.startsWith(PREFIX);
  }

  /** Where a value is stored, bound into its seal (GCM associated data). */
  public static String context(String table, String column, String rowId) {
    return table + "." + column + ":" + rowId;
  }

  public String seal(String plaintext, String context) {
    if (plaintext == null) return null;
    try {
      byte[] nonce = new byte[NONCE];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      byte[] ct = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[NONCE + ct.length];
      System.arraycopy(nonce, 0, out, 0, NONCE);
      System.arraycopy(ct, 0, out, NONCE, ct.length);
      return PREFIX + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /** The plaintext of a stored value; a value stored before encryption (no prefix) is returned as is. */
  public String open(String stored, String context) {
    if (!sealed(stored)) return stored;
    try {
      byte[] in = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, NONCE));
      c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      return new String(c.doFinal(in, NONCE, in.length - NONCE), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new StoreException("cannot decrypt " + context + " with the key in " + file
          + " (is it the key this database was encrypted with?)", e);
    }
  }
}
