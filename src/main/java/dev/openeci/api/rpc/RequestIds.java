package dev.openeci.api.rpc;

import java.util.Locale;
import java.util.UUID;

/** Request ids like Alibaba Cloud's: an upper-case UUID. */
public final class RequestIds {
  private RequestIds() {}

  public static String newId() {
    return UUID.randomUUID().toString().toUpperCase(Locale.ROOT);
  }
}
