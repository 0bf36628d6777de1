package dev.openeci.api.error;

/** The one exception type that carries an {@link ErrorCode} to the protocol layer. */
public final class ApiException extends RuntimeException {
  private final ErrorCode error;

  public ApiException(ErrorCode error, String message) {
    super(message, null, false, false);
    this.error = error;
  }

  public ErrorCode error() {
    return error;
  }

  public String code() {
    return error.code();
  }

  public int httpStatus() {
    return error.httpStatus();
  }
}
