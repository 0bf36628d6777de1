package dev.openeci.cli;

/** A failure the CLI reports as one line on stderr with its exit code (1 = failed, 2 = usage/unsupported). */
public final class CliException extends RuntimeException {
  public final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }
}
