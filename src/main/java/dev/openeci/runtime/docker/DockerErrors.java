package dev.openeci.runtime.docker;

import dev.openeci.runtime.RegistryAuth;
import dev.openeci.runtime.RuntimeFailure;
import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;

/** How engine errors become {@link RuntimeFailure} messages, shared by the runtime.docker classes. */
final class DockerErrors {
  private DockerErrors() {
  }

  static RuntimeFailure failure(String what, RuntimeException e) {
    return new RuntimeFailure(what + ": " + message(e), e);
  }

  static String message(Throwable e) {
    String m = e.getMessage();
    if (m == null) return e.getClass().getSimpleName();
    // docker-java renders engine JSON errors as "Status 500: {"cause":..,"message":..}"; keep them short.
    m = m.replace('\n', ' ').trim();
    return m.length() > 500 ? m.substring(0, 500) + "..." : m;
  }

  /** Never let a registry password reach a message (engines echo credentials in some errors). */
  static String scrub(String message, Optional<RegistryAuth> auth) {
    if (auth.isPresent() && auth.get().password() != null && !auth.get().password().isEmpty()) {
      return message.replace(auth.get().password(), "***");
    }
    return message;
  }

  static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  static void closeQuietly(Closeable c) {
    if (c == null) return;
    try {
      c.close();
    } catch (IOException | RuntimeException ignored) {
      // closing a stream that already ended
    }
  }
}
