package dev.openeci.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogLayoutTest {
  final LoggerContext ctx = new LoggerContext();

  @AfterEach
  void back() {
    LogLayout.format("text");
  }

  LoggingEvent event(String msg, Throwable t) {
    LoggingEvent e = new LoggingEvent("x", ctx.getLogger(ApiCalls.LOGGER), Level.INFO, msg, t, null);
    e.setThreadName("http-1");
    e.setTimeStamp(1_700_000_000_123L);
    return e;
  }

  @Test
  void jsonIsOneObjectPerLineWithKeyValuesAsMembers() throws Exception {
    LoggingEvent e = event("request=R1 account=acct \"quoted\"\nsecond line", null);
    e.addKeyValuePair(new org.slf4j.event.KeyValuePair("requestId", "R1"));
    e.addKeyValuePair(new org.slf4j.event.KeyValuePair("status", 200));
    e.addKeyValuePair(new org.slf4j.event.KeyValuePair("latencyMs", 3L));
    LogLayout layout = new LogLayout();
    layout.setContext(ctx);
    layout.start();
    LogLayout.format("json");
    String line = layout.doLayout(e);
    assertThat(line).endsWith("\n");
    assertThat(line.strip()).doesNotContain("\n");
    JsonNode j = new ObjectMapper().readTree(line);
    assertThat(j.get("ts").asText()).isEqualTo("2023-11-14T22:13:20.123Z");
    assertThat(j.get("level").asText()).isEqualTo("INFO");
    assertThat(j.get("logger").asText()).isEqualTo("openeci.access");
    assertThat(j.get("thread").asText()).isEqualTo("http-1");
    assertThat(j.get("msg").asText()).isEqualTo("request=R1 account=acct \"quoted\"\nsecond line");
    assertThat(j.get("requestId").asText()).isEqualTo("R1");
    assertThat(j.get("status").isInt()).isTrue();
    assertThat(j.get("latencyMs").asLong()).isEqualTo(3);
    assertThat(j.has("exception")).isFalse();

    JsonNode withError = new ObjectMapper().readTree(layout.doLayout(event("boom", new IllegalStateException("bad"))));
    assertThat(withError.get("exception").asText()).contains("java.lang.IllegalStateException: bad");
  }

  @Test
  void textIsThePattern() {
    LogLayout layout = new LogLayout();
    layout.setContext(ctx);
    layout.start();
    LogLayout.format("text");
    assertThat(layout.doLayout(event("hello", null)))
        .isEqualTo("2023-11-14T22:13:20.123Z INFO  [http-1] access - hello" + System.lineSeparator());
  }

  @Test
  void onlyTextOrJson() {
    assertThatThrownBy(() -> LogLayout.format("xml")).hasMessageContaining("text or json");
  }
}
