package dev.openeci.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The operator's metrics and price settings as the server receives them (environment keys set by
 * {@code serve --metrics-period-seconds / --metrics-retention-minutes / --metrics-concurrency /
 * --price-book}, or by the operator directly); absent keys take the documented defaults.
 */
public final class MetricsSettings {
  public static final String PERIOD_ENV = "OPENECI_METRICS_PERIOD_SECONDS";
  public static final String RETENTION_ENV = "OPENECI_METRICS_RETENTION_MINUTES";
  public static final String CONCURRENCY_ENV = "OPENECI_METRICS_CONCURRENCY";
  public static final String PRICE_BOOK_ENV = "OPENECI_PRICE_BOOK";

  private MetricsSettings() {}

  public static MetricsSampler.Options options(Map<String, String> env) {
    MetricsSampler.Options d = MetricsSampler.Options.DEFAULT;
    return new MetricsSampler.Options(
        Duration.ofSeconds(number(env, PERIOD_ENV, d.period().toSeconds())),
        Duration.ofMinutes(number(env, RETENTION_ENV, d.retention().toMinutes())),
        (int) number(env, CONCURRENCY_ENV, d.concurrency()));
  }

  /** The book in {@link #PRICE_BOOK_ENV}, else the defaults; a bad file stops the server with its reason. */
  public static PriceBook priceBook(Map<String, String> env) {
    String file = env.get(PRICE_BOOK_ENV);
    if (file == null || file.isBlank()) return PriceBook.DEFAULT;
    try {
      return PriceBook.load(Path.of(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the price book " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the price book " + file + " is not valid: " + e.getMessage(), e);
    }
  }

  private static long number(Map<String, String> env, String key, long dflt) {
    String v = env.get(key);
    if (v == null || v.isBlank()) return dflt;
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number, not \"" + v + "\"");
    }
  }
}
