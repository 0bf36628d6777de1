package dev.openeci.api.rpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.error.ErrorCode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Typed access to flattened ECI parameters. Lists are 1-based and may have gaps
 * ({@code Container.1.Name}, {@code Container.2.Command.1}); {@link #list} returns one reader per
 * index, in numeric order, scoped to {@code Prefix.N.}. Every parse error names the full
 * parameter path and value. Scoped readers share the parent's sorted map (no copying), so reading
 * a 200-parameter request is O(n log n).
 */
public final class ParamReader {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Longest numeric text parsed. Checked before parsing: BigDecimal/BigInteger parsing is
   * superlinear, a million digits took 40 s; no ECI number needs more than 19 digits plus sign,
   * fraction and exponent.
   */
  public static final int MAX_NUMBER_CHARS = 32;

  private final NavigableMap<String, String> all;
  private final String prefix;

  public ParamReader(Map<String, String> params) {
    this(new TreeMap<>(params), "");
  }

  private ParamReader(NavigableMap<String, String> all, String prefix) {
    this.all = all;
    this.prefix = prefix;
  }

  /** The full path of a parameter of this scope, for messages. */
  public String path(String name) {
    return prefix + name;
  }

  /** The value, or null when absent. */
  public String string(String name) {
    return all.get(prefix + name);
  }

  public String required(String name) {
    String v = string(name);
    if (v == null || v.isEmpty()) throw ErrorCode.missing(path(name));
    return v;
  }

  public boolean has(String name) {
    String key = prefix + name;
    if (all.containsKey(key)) return true;
    String sub = all.ceilingKey(key + ".");
    return sub != null && sub.startsWith(key + ".");
  }

  public Boolean bool(String name) {
    String v = string(name);
    if (v == null || v.isEmpty()) return null;
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      default -> throw ErrorCode.invalid(path(name), "\"" + v + "\" is not a boolean (true or false)");
    };
  }

  public Integer integer(String name) {
    Long v = longValue(name);
    if (v == null) return null;
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw ErrorCode.invalid(path(name), "\"" + v + "\" is out of range");
    }
    return v.intValue();
  }

  public Long longValue(String name) {
    String v = string(name);
    if (v == null || v.isEmpty()) return null;
    if (v.length() > MAX_NUMBER_CHARS) throw tooManyDigits(name, v);
    try {
      BigDecimal d = new BigDecimal(v.trim());
      return d.longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw ErrorCode.invalid(path(name), "\"" + v + "\" is not an integer");
    }
  }

  /** A number: accepts {@code 2}, {@code 2.0}, {@code 0.5} (Java SDKs send floats as 2.0, Node as 2). */
  public Double decimal(String name) {
    String v = string(name);
    if (v == null || v.isEmpty()) return null;
    if (v.length() > MAX_NUMBER_CHARS) throw tooManyDigits(name, v);
    try {
      double d = Double.parseDouble(v.trim());
      if (Double.isNaN(d) || Double.isInfinite(d)) throw new NumberFormatException();
      return d;
    } catch (NumberFormatException e) {
      throw ErrorCode.invalid(path(name), "\"" + v + "\" is not a number");
    }
  }

  private dev.openeci.error.ApiException tooManyDigits(String name, String v) {
    return ErrorCode.invalid(path(name), "\"" + v.substring(0, 16) + "...\" (" + v.length()
        + " characters) is not a number of at most " + MAX_NUMBER_CHARS + " characters");
  }

  /** Values of {@code name.1 .. name.N} in numeric index order. */
  public List<String> strings(String name) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<Integer, String> e : indexed(name).entrySet()) {
      String rest = e.getValue();
      if (rest.isEmpty()) out.add(all.get(prefix + name + "." + e.getKey()));
    }
    return Collections.unmodifiableList(out);
  }

  /** One reader per index of {@code name.N.*}, in numeric order. */
  public List<ParamReader> list(String name) {
    List<ParamReader> out = new ArrayList<>();
    for (Integer i : indexed(name).keySet()) {
      out.add(new ParamReader(all, prefix + name + "." + i + "."));
    }
    return Collections.unmodifiableList(out);
  }

  /** A reader scoped to {@code name.*} (a struct such as {@code LivenessProbe}). */
  public ParamReader struct(String name) {
    return new ParamReader(all, prefix + name + ".");
  }

  /** Every key of this scope, relative to it. */
  public List<String> allKeys() {
    List<String> out = new ArrayList<>();
    for (String k : scope(prefix).keySet()) out.add(k.substring(prefix.length()));
    return out;
  }

  /**
   * Index -> first index's remainder ("" for a plain value, else the sub-path), for keys under
   * {@code name.}. A non-numeric or non-positive index is an error.
   */
  private TreeMap<Integer, String> indexed(String name) {
    String base = prefix + name + ".";
    TreeMap<Integer, String> idx = new TreeMap<>();
    for (String key : scope(base).keySet()) {
      String rest = key.substring(base.length());
      int dot = rest.indexOf('.');
      String index = dot < 0 ? rest : rest.substring(0, dot);
      int n;
      try {
        n = Integer.parseInt(index);
      } catch (NumberFormatException e) {
        throw ErrorCode.invalid(key, "\"" + index + "\" is not a list index (1, 2, ...)");
      }
      if (n < 1) throw ErrorCode.invalid(key, "list indexes start at 1");
      if (!Integer.toString(n).equals(index)) {
        throw ErrorCode.invalid(key, "\"" + index + "\" is not a list index (1, 2, ...; no sign or leading zero)");
      }
      String sub = dot < 0 ? "" : rest.substring(dot + 1);
      idx.merge(n, sub, (a, b) -> a.isEmpty() ? a : b);
    }
    return idx;
  }

  private NavigableMap<String, String> scope(String base) {
    if (base.isEmpty()) return all;
    // Every key starting with base sorts between base and base + '\uffff'.
    return all.subMap(base, true, base + Character.MAX_VALUE, false);
  }

  /** A parameter carrying a JSON array of strings ({@code ["eci-1","eci-2"]}); null when absent. */
  public List<String> jsonStringArray(String name) {
    String v = string(name);
    if (v == null || v.isBlank()) return null;
    try {
      JsonNode node = JSON.readTree(v);
      if (node == null || !node.isArray()) throw new IllegalArgumentException();
      List<String> out = new ArrayList<>();
      for (JsonNode n : node) {
        if (!n.isTextual()) throw new IllegalArgumentException();
        out.add(n.asText());
      }
      return Collections.unmodifiableList(out);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw ErrorCode.invalid(path(name), "must be a JSON array of strings, e.g. [\"a\",\"b\"]");
    }
  }
}
