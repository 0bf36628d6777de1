package dev.openeci.runtime;

/** An engine call failed; the message is safe to show to users (no credentials in it). */
public class RuntimeFailure extends RuntimeException {
  public RuntimeFailure(String message) {
    super(message);
  }

  public RuntimeFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
