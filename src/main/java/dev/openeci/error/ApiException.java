package dev.openeci.error;

/** The one exception type that carries an {@link ErrorCode} to the protocol layer. */
public final class ApiException extends RuntimeException {
  private final ErrorCode error;
  private final int httpStatus;

  public ApiException(ErrorCode error, String message) {
    this(error, message, error.httpStatus());
  }

  /** For the HTTP layer only: the code served with the status the HTTP exchange already has. */
  public ApiException(ErrorCode error, String message, int httpStatus) {
    super(message, null, false, false);
    this.error = error;
    this.httpStatus = httpStatus;
  }

  public ErrorCode error() {
    return error;
  }

  public String code() {
    return error.code();
  }

  public int httpStatus() {
    return httpStatus;
  }
}
