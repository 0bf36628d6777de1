package dev.openeci.api.rpc;

import java.nio.charset.StandardCharsets;

/** RFC 3986 percent-encoding as Alibaba Cloud signs: only A-Z a-z 0-9 - _ . ~ stay literal. */
public final class Pct {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private Pct() {}

  public static String encode(String s) {
    StringBuilder b = null;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (!unreserved(c)) {
        b = new StringBuilder(n + 16);
        b.append(s, 0, i);
        appendEncoded(b, s.substring(i));
        return b.toString();
      }
    }
    return s;
  }

  static void appendEncoded(StringBuilder b, String s) {
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if (unreserved((char) c)) {
        b.append((char) c);
      } else {
        b.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
  }

  private static boolean unreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
        || c == '.' || c == '~';
  }
}
