package dev.openeci.api.rpc;

import dev.openeci.error.ApiException;
import dev.openeci.error.ErrorCode;
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
 *
 * <p>Parsing is bounded before anything is decoded or stored ({@link Limits}): the number of
 * parameters, the length of keys and values, the key grammar ({@code Name(.Name|.Index)*}, at
 * most {@value #MAX_DEPTH} segments, list indexes canonical {@code 1..}{@value #MAX_INDEX} with no
 * sign or leading zero). Breaking a bound is InvalidParameter naming
 * the parameter, never a 500: {@code Container.01.Name} and {@code Container.1.Name} would
 * otherwise be two spellings of one item.
 */
public final class RequestParameters {
  public record Pair(String key, String value) {}

  /** Longest parameter name accepted (the catalogue's longest is under 80). */
  public static final int MAX_KEY_CHARS = 256;
  /** Most dot-separated segments in a parameter name (the catalogue's deepest has 6). */
  public static final int MAX_DEPTH = 16;
  /** Largest list index accepted. */
  public static final int MAX_INDEX = 99_999;

  /** Bounds on one request's parameters. */
  public record Limits(int maxParameters, int maxValueChars) {
    public static final Limits DEFAULT = new Limits(dev.openeci.config.EdgeConfig.DEFAULT_MAX_PARAMETERS,
        dev.openeci.config.EdgeConfig.DEFAULT_MAX_VALUE_CHARS);
    /** For re-reading a request that already passed the configured limits. */
    public static final Limits NONE = new Limits(Integer.MAX_VALUE, Integer.MAX_VALUE);
  }

  private final List<Pair> pairs;
  private final Map<String, String> map;

  private RequestParameters(List<Pair> pairs) {
    this.pairs = List.copyOf(pairs);
    Map<String, String> m = new LinkedHashMap<>();
    for (Pair p : pairs) m.putIfAbsent(p.key(), p.value());
    this.map = Collections.unmodifiableMap(m);
  }

  public static RequestParameters parse(RpcRequest request) {
    return parse(request, Limits.DEFAULT);
  }

  public static RequestParameters parse(RpcRequest request, Limits limits) {
    List<Pair> pairs = new ArrayList<>();
    if (request.rawQuery() != null) decodeInto(request.rawQuery(), pairs, limits);
    String contentType = request.header("content-type");
    if (request.body().length > 0 && contentType != null
        && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
      decodeInto(new String(request.body(), StandardCharsets.UTF_8), pairs, limits);
    }
    return new RequestParameters(pairs);
  }

  /** The same parameters without those whose value is empty. */
  public RequestParameters withoutEmptyValues() {
    List<Pair> kept = new ArrayList<>();
    for (Pair p : pairs) {
      if (!p.value().isEmpty()) kept.add(p);
    }
    return kept.size() == pairs.size() ? this : new RequestParameters(kept);
  }

  public static RequestParameters of(Map<String, String> params) {
    List<Pair> pairs = new ArrayList<>();
    params.forEach((k, v) -> pairs.add(new Pair(k, v)));
    return new RequestParameters(pairs);
  }

  private static void decodeInto(String raw, List<Pair> out, Limits limits) {
    if (raw.isEmpty()) return;
    int start = 0;
    while (start <= raw.length()) {
      int amp = raw.indexOf('&', start);
      int end = amp < 0 ? raw.length() : amp;
      if (end > start) {
        if (out.size() >= limits.maxParameters()) {
          throw new ApiException(ErrorCode.INVALID_PARAMETER, "The request has more than "
              + limits.maxParameters() + " parameters.");
        }
        int eq = raw.indexOf('=', start);
        if (eq < 0 || eq > end) eq = end;
        // Raw lengths bound the decoded ones (an escape is 3 characters for at least 1), so
        // nothing oversized is ever decoded.
        if (eq - start > 3 * MAX_KEY_CHARS) {
          throw ErrorCode.invalid(shown(raw.substring(start, Math.min(eq, start + 64))), "the name is longer than "
              + MAX_KEY_CHARS + " characters");
        }
        String k = decode(raw.substring(start, eq));
        checkKey(k);
        if (eq < end && end - eq - 1 > 3L * limits.maxValueChars()) throw tooLong(k, limits);
        String v = eq < end ? decode(raw.substring(eq + 1, end)) : "";
        if (v.length() > limits.maxValueChars()) throw tooLong(k, limits);
        out.add(new Pair(k, v));
      }
      if (amp < 0) break;
      start = amp + 1;
    }
  }

  private static ApiException tooLong(String key, Limits limits) {
    return ErrorCode.invalid(key, "the value is longer than " + limits.maxValueChars() + " characters");
  }

  /** {@code Name(.Name|.Index)*}: ASCII letters, digits, '_' and '-' per segment; indexes canonical. */
  static void checkKey(String k) {
    if (k.length() > MAX_KEY_CHARS) {
      throw ErrorCode.invalid(shown(k), "the name is longer than " + MAX_KEY_CHARS + " characters");
    }
    if (k.isEmpty()) throw ErrorCode.invalid("(empty name)", "a parameter needs a name");
    int segments = 1;
    int segStart = 0;
    for (int i = 0; i <= k.length(); i++) {
      char c = i < k.length() ? k.charAt(i) : '.';
      if (c == '.') {
        if (i == segStart) throw ErrorCode.invalid(shown(k), "empty name segment");
        if (++segments > MAX_DEPTH + 1) {
          throw ErrorCode.invalid(shown(k), "more than " + MAX_DEPTH + " nested names");
        }
        char first = k.charAt(segStart);
        if (first >= '0' && first <= '9') checkIndex(k, k.substring(segStart, i));
        segStart = i + 1;
      } else if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
        throw ErrorCode.invalid(shown(k), "a parameter name may contain only letters, digits, '_', '-' and '.'");
      } else if (c == '-' && i == segStart) {
        throw ErrorCode.invalid(shown(k), "\"" + k.substring(segStart, Math.min(k.length(), segStart + 12))
            + "\" is not a list index (1, 2, ...)");
      }
    }
  }

  private static void checkIndex(String key, String index) {
    boolean canonical = index.length() <= 5 && index.charAt(0) != '0';
    for (int i = 0; canonical && i < index.length(); i++) {
      canonical = index.charAt(i) >= '0' && index.charAt(i) <= '9';
    }
    if (!canonical || Integer.parseInt(index) > MAX_INDEX) {
      throw ErrorCode.invalid(shown(key), "\"" + (index.length() > 12 ? index.substring(0, 12) + "..." : index)
          + "\" is not a list index (1.." + MAX_INDEX + ", no sign or leading zero)");
    }
  }

  /** A parameter name as quoted in messages: at most 64 characters. */
  static String shown(String key) {
    return key.length() > 64 ? key.substring(0, 64) + "..." : key;
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
