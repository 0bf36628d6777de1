package dev.openeci.api.rpc;

import dev.openeci.api.error.ApiException;
import dev.openeci.api.error.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The request's parameters: the query string and, for {@code application/x-www-form-urlencoded}
 * bodies, the form, decoded with form rules ({@code +} is a space). {@link #pairs()} keeps every
 * pair in order (signatures need them); {@link #asMap()} is the merged view, first occurrence wins.
 */
public final class RequestParameters {
  public record Pair(String key, String value) {}

  private final List<Pair> pairs;
  private final Map<String, String> map;

  private RequestParameters(List<Pair> pairs) {
    this.pairs = List.copyOf(pairs);
    Map<String, String> m = new LinkedHashMap<>();
    for (Pair p : pairs) m.putIfAbsent(p.key(), p.value());
    this.map = Collections.unmodifiableMap(m);
  }

  public static RequestParameters parse(RpcRequest request) {
    List<Pair> pairs = new ArrayList<>();
    if (request.rawQuery() != null) decodeInto(request.rawQuery(), pairs);
    String contentType = request.header("content-type");
    if (request.body().length > 0 && contentType != null
        && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
      decodeInto(new String(request.body(), StandardCharsets.UTF_8), pairs);
    }
    return new RequestParameters(pairs);
  }

  public static RequestParameters of(Map<String, String> params) {
    List<Pair> pairs = new ArrayList<>();
    params.forEach((k, v) -> pairs.add(new Pair(k, v)));
    return new RequestParameters(pairs);
  }

  private static void decodeInto(String raw, List<Pair> out) {
    if (raw.isEmpty()) return;
    int start = 0;
    while (start <= raw.length()) {
      int amp = raw.indexOf('&', start);
      int end = amp < 0 ? raw.length() : amp;
      if (end > start) {
        String part = raw.substring(start, end);
        int eq = part.indexOf('=');
        String k = eq < 0 ? part : part.substring(0, eq);
        String v = eq < 0 ? "" : part.substring(eq + 1);
        out.add(new Pair(decode(k), decode(v)));
      }
      if (amp < 0) break;
      start = amp + 1;
    }
  }

  /** Form decoding: {@code +} is a space, {@code %XX} are UTF-8 bytes; malformed -> InvalidParameter. */
  static String decode(String s) {
    if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '+') {
        bytes.write(' ');
      } else if (c == '%') {
        if (i + 2 >= s.length()) throw malformed(s);
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) throw malformed(s);
        bytes.write((hi << 4) | lo);
        i += 2;
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw malformed(s);
    }
  }

  private static ApiException malformed(String s) {
    String shown = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return new ApiException(ErrorCode.INVALID_PARAMETER,
        "The request contains malformed percent-encoding or invalid UTF-8 near \"" + shown + "\".");
  }

  public List<Pair> pairs() {
    return pairs;
  }

  public Map<String, String> asMap() {
    return map;
  }

  public String get(String key) {
    return map.get(key);
  }

  public Set<String> keys() {
    return map.keySet();
  }
}
