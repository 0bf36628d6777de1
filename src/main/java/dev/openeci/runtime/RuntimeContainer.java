package dev.openeci.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * What the engine reports about one container. {@code startedAt}/{@code finishedAt} are null
 * when the engine reports the zero time; {@code exitCode} is null while it has not exited.
 */
public record RuntimeContainer(
    String id,
    String name,
    Map<String, String> labels,
    State state,
    Integer exitCode,
    Instant startedAt,
    Instant finishedAt,
    String ipAddress,
    boolean oomKilled,
    String error) {

  public enum State { CREATED, RUNNING, PAUSED, RESTARTING, EXITED, DEAD, UNKNOWN }

  public String label(String key) {
    return labels.get(key);
  }

  public boolean running() {
    return state == State.RUNNING || state == State.PAUSED || state == State.RESTARTING;
  }

  public boolean exited() {
    return state == State.EXITED || state == State.DEAD;
  }
}
