package dev.openeci.group;

/** An environment variable: a literal value or a field reference (only {@code status.podIP}). */
public record EnvVar(String key, String value, String fieldPath) {
  public static final String POD_IP = "status.podIP";
}
