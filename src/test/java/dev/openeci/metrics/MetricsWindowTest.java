package dev.openeci.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.error.ApiException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** StartTime/EndTime/Period as ECI documents them, and one record per period. */
class MetricsWindowTest {
  static final Instant NOW = Instant.parse("2026-12-01T13:00:00Z");

  @ParameterizedTest(name = "start={0} end={1} period={2}")
  @CsvSource(nullValues = "-", value = {
      // neither time: the last 5 minutes at 15 s, Period ignored
      "-, -, -, 2026-12-01T12:55:00Z, 2026-12-01T13:00:00Z, 15",
      "-, -, 600, 2026-12-01T12:55:00Z, 2026-12-01T13:00:00Z, 15",
      // EndTime defaults to now, StartTime to 5 minutes before EndTime, Period to 60
      "2026-12-01T12:40:00Z, -, -, 2026-12-01T12:40:00Z, 2026-12-01T13:00:00Z, 60",
      "-, 2026-12-01T12:00:00.000Z, 30, 2026-12-01T11:55:00Z, 2026-12-01T12:00:00Z, 30",
      // offsets as in ECI's example (2019-03-12T09:00:00.000+08:00)
      "2026-12-01T20:50:00.000+08:00, 2026-12-01T21:00:00.000+08:00, 15, 2026-12-01T12:50:00Z, 2026-12-01T13:00:00Z, 15",
      // 50 records of 600 s is the largest window
      "2026-12-01T04:40:00Z, 2026-12-01T13:00:00Z, 600, 2026-12-01T04:40:00Z, 2026-12-01T13:00:00Z, 600"})
  void defaultsAndValidWindows(String start, String end, String period, String from, String to, int seconds) {
    MetricsWindow w = MetricsWindow.of(start, end, period, NOW);
    assertThat(w.from()).isEqualTo(Instant.parse(from));
    assertThat(w.to()).isEqualTo(Instant.parse(to));
    assertThat(w.period()).isEqualTo(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest(name = "start={0} end={1} period={2} -> {3}")
  @CsvSource(nullValues = "-", value = {
      "2026-12-01T12:00:00Z, -, 7, Period",
      "2026-12-01T12:00:00Z, -, abc, Period",
      "2026-12-01T12:00:00Z, -, 15, Period", // 240 periods > 50
      "2026-12-01T13:00:00Z, 2026-12-01T12:00:00Z, 60, StartTime",
      "yesterday, -, -, StartTime",
      "-, 2026-13-01T00:00:00Z, -, EndTime"})
  void badWindowsAreInvalidParameterNamingTheParameter(String start, String end, String period, String param) {
    assertThatThrownBy(() -> MetricsWindow.of(start, end, period, NOW))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.code()).isEqualTo("InvalidParameter");
          assertThat(e.httpStatus()).isEqualTo(400);
          assertThat(e.getMessage()).contains("\"" + param + "\"");
        });
  }

  static GroupSample sample(Instant at, long nanoCores, long memory) {
    GroupSample.Usage u = new GroupSample.Usage(nanoCores, nanoCores * 10, memory, memory, 0, 0);
    return new GroupSample(at, u, Map.of("app", u), List.of(), List.of());
  }

  @Test
  void onePeriodGivesOneRecordWithTheNewestGaugesAndTheMeanCpuRate() {
    MetricsWindow w = MetricsWindow.of("2026-12-01T12:59:00Z", "2026-12-01T13:00:00Z", "30", NOW);
    List<GroupSample> samples = new ArrayList<>();
    samples.add(sample(Instant.parse("2026-12-01T12:58:50Z"), 999, 1)); // before the window
    samples.add(sample(Instant.parse("2026-12-01T12:59:05Z"), 100, 10));
    samples.add(sample(Instant.parse("2026-12-01T12:59:20Z"), 300, 20));
    samples.add(sample(Instant.parse("2026-12-01T12:59:35Z"), 500, 30));
    List<GroupSample> out = w.select(samples);
    assertThat(out).hasSize(2);
    assertThat(out.get(0).at()).isEqualTo(Instant.parse("2026-12-01T12:59:20Z"));
    assertThat(out.get(0).total().usageNanoCores()).isEqualTo(200);
    assertThat(out.get(0).containers().get("app").usageNanoCores()).isEqualTo(200);
    assertThat(out.get(0).total().memoryUsage()).isEqualTo(20);
    assertThat(out.get(0).total().usageCoreNanoSeconds()).isEqualTo(3000);
    assertThat(out.get(1).total().usageNanoCores()).isEqualTo(500);
  }

  @Test
  void noSamplesNoRecords() {
    assertThat(MetricsWindow.of(null, null, null, NOW).select(List.of())).isEmpty();
  }
}
