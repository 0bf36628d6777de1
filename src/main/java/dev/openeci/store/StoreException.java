package dev.openeci.store;

/** The store failed (I/O, corruption, constraint); surfaces as InternalError to API callers. */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
