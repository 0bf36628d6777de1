package dev.openeci.group;

/**
 * A liveness or readiness probe. Null timing fields take ECI's defaults when the probe runs
 * (initial delay 0 s, period 10 s, timeout 1 s, success 1, failure 3).
 */
public record Probe(Action action, Integer initialDelaySeconds, Integer periodSeconds, Integer timeoutSeconds,
    Integer successThreshold, Integer failureThreshold) {
  public static final int DEFAULT_PERIOD = 10;
  public static final int DEFAULT_TIMEOUT = 1;
  public static final int DEFAULT_SUCCESS = 1;
  public static final int DEFAULT_FAILURE = 3;
}
