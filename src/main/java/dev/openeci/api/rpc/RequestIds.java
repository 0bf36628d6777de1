package dev.openeci.api.rpc;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids like Alibaba Cloud's: an upper-case UUID (version-4 layout). They only need to be
 * unique enough to find a request in the log, not unguessable, so they come from
 * {@link ThreadLocalRandom} instead of {@code UUID.randomUUID()}'s SecureRandom (a shared,
 * contended generator on every request).
 */
public final class RequestIds {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private RequestIds() {}

  public static String newId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = (r.nextLong() & ~0xF000L) | 0x4000L; // version 4
    long lo = (r.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48); // IETF variant
    char[] c = new char[36];
    int p = 0;
    for (int i = 15; i >= 0; i--) {
      c[p++] = HEX[(int) (hi >>> (i * 4)) & 0xF];
      if (p == 8 || p == 13) c[p++] = '-';
    }
    c[p++] = '-';
    for (int i = 15; i >= 0; i--) {
      c[p++] = HEX[(int) (lo >>> (i * 4)) & 0xF];
      if (p == 23) c[p++] = '-';
    }
    return new String(c);
  }
}
