package dev.openeci.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.openeci.store.AccessKeyRepository;
import dev.openeci.store.AccessKeyRepository.AccessKey;
import dev.openeci.store.Database;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The generated admin secret goes to the 0600 file and, only on a terminal, to stdout; never to a log. */
class BootstrapSecretTest {
  @TempDir Path dir;
  final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  Database db;

  @BeforeEach
  void capture() {
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    db = Database.open(dir.resolve("openeci.db"));
  }

  @AfterEach
  void release() {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    db.close();
  }

  String logged() {
    StringBuilder b = new StringBuilder();
    for (ILoggingEvent e : logs.list) b.append(e.getFormattedMessage()).append('\n');
    return b.toString();
  }

  @Test
  void withoutATerminalTheSecretIsOnlyInTheFile() throws Exception {
    AccessKey key = Bootstrap.ensureAdminKey(new AccessKeyRepository(db), dir, Map.of(), null);
    Path file = dir.resolve(Bootstrap.CREDENTIALS_FILE);
    assertThat(Files.readString(file)).contains("OPENECI_ACCESS_KEY_SECRET=" + key.secret());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(logged()).doesNotContain(key.secret()).contains(key.accessKeyId()).contains(file.toString());
  }

  @Test
  void onATerminalItIsPrintedOnceAndStillNotLogged() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AccessKey key = Bootstrap.ensureAdminKey(new AccessKeyRepository(db), dir, Map.of(),
        new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("OPENECI_ACCESS_KEY_SECRET=" + key.secret());
    assertThat(logged()).doesNotContain(key.secret());
    // the next start loads it: not printed again
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    Bootstrap.ensureAdminKey(new AccessKeyRepository(db), dir, Map.of(), new PrintStream(again, true,
        StandardCharsets.UTF_8));
    assertThat(again.toString(StandardCharsets.UTF_8)).doesNotContain(key.secret());
    assertThat(logged()).doesNotContain(key.secret());
  }
}
