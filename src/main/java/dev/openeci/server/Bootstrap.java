package dev.openeci.server;

import dev.openeci.store.AccessKeyRepository;
import dev.openeci.store.AccessKeyRepository.AccessKey;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bootstrap admin AccessKey pair: from {@code OPENECI_ACCESS_KEY_ID}/{@code _SECRET} when set,
 * else from {@code <data-dir>/admin-credentials} (mode 0600), else generated at the first start,
 * written there and printed once on stdout when it is a terminal. The secret never goes to the log.
 */
public final class Bootstrap {
  private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);
  public static final String ADMIN_ACCOUNT = "admin";
  public static final String CREDENTIALS_FILE = "admin-credentials";
  private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Bootstrap() {}

  /**
   * Where a generated secret may be shown: stdout when it is a terminal, else null (the secret is
   * then only in the 0600 file, so it never lands in a log file or a journal).
   */
  public static PrintStream terminal() {
    java.io.Console c = System.console();
    if (c == null) return null;
    try {
      // Java 22+: a Console may exist although the streams are redirected.
      return Boolean.TRUE.equals(java.io.Console.class.getMethod("isTerminal").invoke(c)) ? System.out : null;
    } catch (NoSuchMethodException e) {
      return System.out;
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  /** {@code out}: where a generated secret is printed once ({@link #terminal()}); null = only to the file. */
  public static AccessKey ensureAdminKey(AccessKeyRepository keys, Path dataDir, Map<String, String> env,
      PrintStream out) {
    String id = env.get("OPENECI_ACCESS_KEY_ID");
    String secret = env.get("OPENECI_ACCESS_KEY_SECRET");
    AccessKey key;
    if (id != null && !id.isBlank() && secret != null && !secret.isBlank()) {
      key = new AccessKey(id.trim(), secret.trim(), ADMIN_ACCOUNT);
      log.info("admin AccessKey {} taken from the environment", key.accessKeyId());
    } else {
      Path file = dataDir.resolve(CREDENTIALS_FILE);
      if (Files.exists(file)) {
        key = read(file);
        log.info("admin AccessKey {} loaded from {}", key.accessKeyId(), file);
      } else {
        key = generate(ADMIN_ACCOUNT);
        write(file, key);
        if (out != null) {
          out.println("openeci: generated the admin AccessKey pair (shown once; also saved in " + file + ", mode 0600):");
          out.println("  OPENECI_ACCESS_KEY_ID=" + key.accessKeyId());
          out.println("  OPENECI_ACCESS_KEY_SECRET=" + key.secret());
          out.flush();
        } else {
          // stdout is no terminal (a service manager, a redirect into a log file): the secret stays in the file.
          log.info("generated the admin AccessKey {}; its secret is in {} (mode 0600), not printed because stdout is"
              + " not a terminal", key.accessKeyId(), file);
        }
      }
    }
    keys.put(key, Instant.now());
    return key;
  }

  /**
   * This data directory's instance id (file {@code instance-id}, made at the first start): the
   * owner label of every engine object this openeci creates, so servers sharing an engine stay apart.
   */
  public static String instanceId(Path dataDir) {
    Path file = dataDir.resolve("instance-id");
    try {
      if (Files.exists(file)) {
        String id = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (!id.isEmpty()) return id;
      }
      String id = random(16).toLowerCase(java.util.Locale.ROOT);
      if (!Files.isDirectory(dataDir)) {
        Files.createDirectories(dataDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Files.deleteIfExists(file);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
      log.info("new openeci instance {} (engine objects are labelled openeci.owner={})", id, id);
      return id;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write " + file, e);
    }
  }

  public static AccessKey generate(String accountId) {
    return new AccessKey("LTAI" + random(20), random(30), accountId);
  }

  private static String random(int n) {
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) b.append(ALNUM.charAt(RANDOM.nextInt(ALNUM.length())));
    return b.toString();
  }

  private static AccessKey read(Path file) {
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    String id = p.getProperty("OPENECI_ACCESS_KEY_ID");
    String secret = p.getProperty("OPENECI_ACCESS_KEY_SECRET");
    if (id == null || secret == null) throw new IllegalStateException(file + " lacks OPENECI_ACCESS_KEY_ID/SECRET");
    return new AccessKey(id, secret, ADMIN_ACCOUNT);
  }

  private static void write(Path file, AccessKey key) {
    try {
      if (!Files.isDirectory(file.getParent())) {
        Files.createDirectories(file.getParent(),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Files.deleteIfExists(file);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, "OPENECI_ACCESS_KEY_ID=" + key.accessKeyId() + "\nOPENECI_ACCESS_KEY_SECRET="
          + key.secret() + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
