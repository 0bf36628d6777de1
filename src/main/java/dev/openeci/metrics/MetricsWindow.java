package dev.openeci.metrics;

import dev.openeci.error.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * DescribeContainerGroupMetric's StartTime/EndTime/Period as ECI defines them: RFC 3339 times;
 * neither given = the last 5 minutes at 15 s (Period ignored); otherwise EndTime defaults to now,
 * StartTime to 5 minutes before EndTime, Period to 60 and must be 15, 30, 60 or 600 seconds; a
 * window of more than 50 periods is refused (ECI returns at most 50 records). Each period gives at
 * most one record: gauges and counters of its newest sample, CPU rates averaged over its samples.
 */
public record MetricsWindow(Instant from, Instant to, Duration period) {
  public static final Set<Integer> PERIODS = Set.of(15, 30, 60, 600);
  public static final Duration DEFAULT_SPAN = Duration.ofMinutes(5);
  public static final int MAX_RECORDS = 50;

  public static MetricsWindow of(String startTime, String endTime, String period, Instant now) {
    Instant start = time("StartTime", startTime);
    Instant end = time("EndTime", endTime);
    if (start == null && end == null) return new MetricsWindow(now.minus(DEFAULT_SPAN), now, Duration.ofSeconds(15));
    int p = 60;
    if (period != null && !period.isBlank()) {
      try {
        p = Integer.parseInt(period.trim());
      } catch (NumberFormatException e) {
        p = -1;
      }
      if (!PERIODS.contains(p)) {
        throw ErrorCode.invalid("Period", "\"" + (period.length() > 16 ? period.substring(0, 16) + "..." : period)
            + "\" must be 15, 30, 60 or 600 (seconds)");
      }
    }
    if (end == null) end = now;
    if (start == null) start = end.minus(DEFAULT_SPAN);
    if (start.isAfter(end)) throw ErrorCode.invalid("StartTime", "must not be after EndTime");
    long span = Duration.between(start, end).toSeconds();
    long records = (span + p - 1) / p;
    if (records > MAX_RECORDS) {
      throw ErrorCode.invalid("Period", "StartTime..EndTime spans " + records + " periods of " + p
          + " s; at most " + MAX_RECORDS + " records are returned (narrow the window or use a longer Period)");
    }
    return new MetricsWindow(start, end, Duration.ofSeconds(p));
  }

  private static Instant time(String name, String v) {
    if (v == null || v.isBlank()) return null;
    try {
      return OffsetDateTime.parse(v.trim()).toInstant();
    } catch (DateTimeParseException e) {
      throw ErrorCode.invalid(name, "\"" + (v.length() > 40 ? v.substring(0, 40) + "..." : v)
          + "\" is not an RFC 3339 time such as 2019-03-12T01:00:00.000Z");
    }
  }

  /** One record per period holding samples, oldest first. */
  public List<GroupSample> select(List<GroupSample> samples) {
    TreeMap<Long, List<GroupSample>> buckets = new TreeMap<>();
    long p = period.toMillis();
    for (GroupSample s : samples) {
      if (s.at().isBefore(from) || s.at().isAfter(to)) continue;
      long i = Duration.between(from, s.at()).toMillis() / p;
      buckets.computeIfAbsent(i, k -> new ArrayList<>()).add(s);
    }
    List<GroupSample> out = new ArrayList<>();
    for (List<GroupSample> b : buckets.values()) out.add(merge(b));
    return out;
  }

  /** The newest sample of a bucket with its CPU rates replaced by their mean over the bucket. */
  static GroupSample merge(List<GroupSample> bucket) {
    GroupSample last = bucket.get(bucket.size() - 1);
    if (bucket.size() == 1) return last;
    long total = 0;
    Map<String, Long> sums = new java.util.HashMap<>();
    Map<String, Integer> counts = new java.util.HashMap<>();
    for (GroupSample s : bucket) {
      total += s.total().usageNanoCores();
      s.containers().forEach((n, u) -> {
        sums.merge(n, u.usageNanoCores(), Long::sum);
        counts.merge(n, 1, Integer::sum);
      });
    }
    Map<String, GroupSample.Usage> containers = new java.util.LinkedHashMap<>();
    last.containers().forEach((n, u) -> containers.put(n, withRate(u, sums.get(n) / counts.get(n))));
    return new GroupSample(last.at(), withRate(last.total(), total / bucket.size()), containers, last.networks(),
        last.disks());
  }

  private static GroupSample.Usage withRate(GroupSample.Usage u, long rate) {
    return new GroupSample.Usage(rate, u.usageCoreNanoSeconds(), u.memoryUsage(), u.workingSet(), u.rss(), u.cache());
  }
}
