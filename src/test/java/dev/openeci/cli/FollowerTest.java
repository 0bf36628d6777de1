package dev.openeci.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FollowerTest {
  @Test
  void overlappingPagesPrintEachLineOnce() {
    WatchCommands.Follower f = new WatchCommands.Follower(false);
    assertThat(f.lastSecond()).isNull();
    assertThat(f.accept("2026-01-01T00:00:01Z a\n2026-01-01T00:00:02Z b\n")).isEqualTo("a\nb\n");
    assertThat(f.lastSecond()).isEqualTo("2026-01-01T00:00:02Z");
    // The next page starts at the second of "b": b again, then a second line of that second, then c.
    assertThat(f.accept("2026-01-01T00:00:02Z b\n2026-01-01T00:00:02Z b2\n2026-01-01T00:00:03Z c\n"))
        .isEqualTo("b2\nc\n");
    assertThat(f.accept("2026-01-01T00:00:03Z c\n")).isEmpty();
    assertThat(f.accept("")).isEmpty();
  }

  @Test
  void nanosecondTimestampsAndKeptTimestamps() {
    WatchCommands.Follower f = new WatchCommands.Follower(true);
    assertThat(f.accept("2026-01-01T00:00:01.500000000Z x\n")).isEqualTo("2026-01-01T00:00:01.500000000Z x\n");
    assertThat(f.lastSecond()).isEqualTo("2026-01-01T00:00:01Z");
    assertThat(f.accept("2026-01-01T00:00:01.100000000Z old\n2026-01-01T00:00:01.500000000Z x\n"
        + "2026-01-01T00:00:01.600000000Z y\n")).isEqualTo("2026-01-01T00:00:01.600000000Z y\n");
  }

  @Test
  void aLastLineWithoutNewlineIsKept() {
    WatchCommands.Follower f = new WatchCommands.Follower(false);
    assertThat(f.accept("2026-01-01T00:00:01Z partial")).isEqualTo("partial");
  }
}
