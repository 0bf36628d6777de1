package dev.openeci.runtime;

import org.slf4j.Logger;

/**
 * Logs an image pull's progress at INFO without flooding the log: the lines that mark a finished
 * step (a layer or blob done, the manifest written, the pull finished) and, in between, at most one
 * line every few seconds. Lines come from the engine, which never includes credentials in them.
 */
public final class PullProgress implements java.util.function.Consumer<String> {
  private static final long QUIET_NANOS = 5_000_000_000L;
  private final Logger log;
  private final String subject;
  private final String image;
  private long lastLogged = System.nanoTime() - QUIET_NANOS;

  public PullProgress(Logger log, String subject, String image) {
    this.log = log;
    this.subject = subject;
    this.image = image;
  }

  static boolean milestone(String line) {
    String l = line.toLowerCase(java.util.Locale.ROOT);
    return l.contains("complete") || l.startsWith("copying blob") || l.startsWith("copying config")
        || l.startsWith("writing manifest") || l.startsWith("status:") || l.startsWith("digest:")
        || l.contains("already exists") || l.startsWith("trying to pull");
  }

  @Override
  public synchronized void accept(String line) {
    long now = System.nanoTime();
    if (milestone(line) || now - lastLogged >= QUIET_NANOS) {
      lastLogged = now;
      log.info("{}: pull {}: {}", subject, image, line);
    }
  }
}
