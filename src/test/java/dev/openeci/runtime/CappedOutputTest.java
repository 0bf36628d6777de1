package dev.openeci.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CappedOutputTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theLimitIsSharedByStdoutAndStderrAndTheRestIsDropped() {
    CappedOutput out = new CappedOutput(8);
    out.stdout(b("12345"));
    out.stderr(b("abcdef"));
    out.stdout(b("xyz"));
    assertThat(out.stdout()).isEqualTo("12345");
    assertThat(out.stderr()).isEqualTo("abc");
  }

  @Test
  void doneCompletesWithTheReportedExitCode() {
    CappedOutput out = new CappedOutput(8);
    assertThat(out.done()).isNotDone();
    out.exited(3);
    assertThat(out.done()).isCompletedWithValue(3);
  }
}
