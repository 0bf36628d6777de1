package dev.openeci.ops;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.time.Instant;
import java.util.Locale;
import org.slf4j.event.KeyValuePair;

/**
 * The server's log layout (logback.xml): text (the pattern below) or one JSON object per line,
 * chosen by {@code serve --log-format} or {@code OPENECI_LOG_FORMAT} (text|json). JSON members:
 * {@code ts} (ISO-8601 UTC), {@code level}, {@code logger}, {@code thread}, {@code msg}, the
 * event's key/value pairs as top-level members (the access log's requestId, account, action, code,
 * status, latencyMs, remote), and {@code exception} (the stack trace) when there is one.
 * The format is process-wide, like the logging configuration itself.
 */
public final class LogLayout extends LayoutBase<ILoggingEvent> {
  public static final String ENV = "OPENECI_LOG_FORMAT";
  static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level [%thread] %logger{0} - %msg%n";

  private static volatile boolean json = "json".equalsIgnoreCase(System.getenv(ENV));
  private final PatternLayout text = new PatternLayout();

  /** Switches every LogLayout of the process: "text" or "json"; anything else is refused. */
  public static void format(String format) {
    String f = format == null ? "text" : format.toLowerCase(Locale.ROOT);
    if (!f.equals("text") && !f.equals("json")) {
      throw new IllegalArgumentException("log format must be text or json, not \"" + format + "\"");
    }
    json = f.equals("json");
  }

  @Override
  public void start() {
    text.setContext(getContext());
    text.setPattern(PATTERN);
    text.start();
    super.start();
  }

  @Override
  public void stop() {
    text.stop();
    super.stop();
  }

  @Override
  public String doLayout(ILoggingEvent e) {
    return json ? json(e) : text.doLayout(e);
  }

  static String json(ILoggingEvent e) {
    StringBuilder b = new StringBuilder(256);
    b.append("{\"ts\":");
    str(b, Instant.ofEpochMilli(e.getTimeStamp()).toString());
    b.append(",\"level\":");
    str(b, e.getLevel().toString());
    b.append(",\"logger\":");
    str(b, e.getLoggerName());
    b.append(",\"thread\":");
    str(b, e.getThreadName());
    b.append(",\"msg\":");
    str(b, e.getFormattedMessage());
    if (e.getKeyValuePairs() != null) {
      for (KeyValuePair kv : e.getKeyValuePairs()) {
        if (kv.key == null || kv.key.equals("ts") || kv.key.equals("level") || kv.key.equals("logger")
            || kv.key.equals("thread") || kv.key.equals("msg") || kv.key.equals("exception")) {
          continue;
        }
        b.append(',');
        str(b, kv.key);
        b.append(':');
        if (kv.value instanceof Number n && !(n instanceof Double d && (d.isNaN() || d.isInfinite()))) {
          b.append(n);
        } else if (kv.value instanceof Boolean bool) {
          b.append(bool);
        } else {
          str(b, String.valueOf(kv.value));
        }
      }
    }
    IThrowableProxy t = e.getThrowableProxy();
    if (t != null) {
      b.append(",\"exception\":");
      str(b, ThrowableProxyUtil.asString(t));
    }
    return b.append('}').append(CoreConstants.LINE_SEPARATOR).toString();
  }

  private static void str(StringBuilder b, String s) {
    b.append('"');
    if (s != null) JsonStringEncoder.getInstance().quoteAsString(s, b);
    b.append('"');
  }
}
