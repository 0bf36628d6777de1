package dev.openeci.api.mapping;

import dev.openeci.error.ErrorCode;
import dev.openeci.api.rpc.ParamReader;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Validation of text a request can reflect into files (the group's /etc/hosts and resolv.conf),
 * engine labels and settings, log lines and events (issue 10 finding 8). Everything refused is an
 * InvalidParameter (400) naming the parameter; the bad value is quoted with control characters
 * escaped, so a refusal never writes a raw newline anywhere either.
 */
public final class Text {
  private Text() {}

  /** One RFC 1123 label: letters, digits, hyphens, 1-63 characters, no hyphen at either end. */
  static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
  /** A resolv.conf option: a name of letters, digits, '-' and '_', an optional value of [A-Za-z0-9._-]. */
  static final Pattern DNS_OPTION_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,31}");
  static final Pattern DNS_OPTION_VALUE = Pattern.compile("[A-Za-z0-9._-]{1,32}");
  static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  static final Pattern HEX_GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");

  /** At most this many name servers (the resolver reads three; Kubernetes allows three). */
  public static final int MAX_NAME_SERVERS = 3;
  /** At most this many search domains (Kubernetes' limit), each a host name. */
  public static final int MAX_SEARCHES = 32;
  public static final int MAX_DNS_OPTIONS = 32;
  public static final int MAX_HOST_ALIASES = 64;
  public static final int MAX_HOSTNAMES_PER_ALIAS = 32;

  /**
   * Parameters whose values may hold tabs and line breaks: they reach a process only as one argv or
   * environment entry (or are base64), never a line-oriented file, label or log line.
   */
  static final Pattern MULTILINE = Pattern.compile("(Init)?Container\\.\\d+\\.(Command\\.\\d+|Arg\\.\\d+"
      + "|EnvironmentVar\\.\\d+\\.Value|(LivenessProbe|ReadinessProbe|StartupProbe)\\.Exec\\.Command\\.\\d+"
      + "|Lifecycle(PostStart|PreStop)HandlerExec\\.\\d+)"
      + "|Volume\\.\\d+\\.ConfigFileVolume\\.ConfigFileToPath\\.\\d+\\.Content");

  /** A host name of RFC 1123: dot-separated labels, at most 253 characters, an optional final dot. */
  public static boolean hostname(String s) {
    if (s == null || s.isEmpty() || s.length() > 253) return false;
    String body = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    if (body.isEmpty()) return false;
    for (String label : body.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) return false;
    }
    return true;
  }

  /** A literal IPv4 or IPv6 address (no zone, no brackets, no host name). */
  public static boolean ip(String s) {
    return s != null && (IPV4.matcher(s).matches() || ipv6(s));
  }

  static boolean ipv6(String s) {
    if (s.length() > 45 || s.indexOf(':') < 0) return false;
    String t = s;
    if (s.indexOf('.') >= 0) { // an embedded IPv4 address counts as two groups
      int last = s.lastIndexOf(':');
      if (!IPV4.matcher(s.substring(last + 1)).matches()) return false;
      t = s.substring(0, last + 1) + "0:0";
    }
    int dc = t.indexOf("::");
    if (dc < 0) return count(t) == 8;
    if (t.indexOf("::", dc + 1) >= 0) return false;
    int a = count(t.substring(0, dc));
    int b = count(t.substring(dc + 2));
    return a >= 0 && b >= 0 && a + b <= 7;
  }

  /** Number of hex groups in a colon-separated run, -1 when one is malformed; "" is 0 groups. */
  private static int count(String run) {
    if (run.isEmpty()) return 0;
    String[] parts = run.split(":", -1);
    for (String p : parts) {
      if (!HEX_GROUP.matcher(p).matches()) return -100;
    }
    return parts.length;
  }

  /** True when {@code s} has a character that would end or forge a line, or is invisible control. */
  public static boolean hasControl(String s, boolean allowLineBreaks) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (allowLineBreaks && (c == '\n' || c == '\r' || c == '\t')) continue;
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == '\u2028' || c == '\u2029') return true;
    }
    return false;
  }

  /** The value for a message: control characters escaped ({@code \n}, {@code \u0000}), at most 128 characters. */
  public static String printable(String s) {
    if (s == null) return "";
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 128; i++) {
      char c = s.charAt(i);
      if (c == '\n') b.append("\\n");
      else if (c == '\r') b.append("\\r");
      else if (c == '\t') b.append("\\t");
      else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
        b.append(String.format("\\u%04x", (int) c));
      } else b.append(c);
    }
    if (b.length() >= 128) b.append("...");
    return b.toString();
  }

  /**
   * Refuses control characters in every parameter of a request (tabs and line breaks only where
   * {@link #MULTILINE} allows them). Runs first, so no later message or log line carries them.
   */
  public static void checkNoControl(ParamReader p) {
    for (String key : p.allKeys()) {
      if (hasControl(key, false)) throw ErrorCode.invalid(printable(key), "parameter names must be printable");
      String v = p.string(key);
      if (v != null && hasControl(v, MULTILINE.matcher(key).matches())) {
        throw ErrorCode.invalid(key, "\"" + printable(v) + "\" contains a control character or line break");
      }
    }
  }

  static void requireHostname(String path, String value) {
    if (!hostname(value)) {
      throw ErrorCode.invalid(path, "\"" + printable(value) + "\" is not a host name (RFC 1123: dot-separated labels of"
          + " letters, digits and hyphens, 1-63 characters each, at most 253 in all)");
    }
  }

  static void requireIp(String path, String value) {
    if (!ip(value)) throw ErrorCode.invalid(path, "\"" + printable(value) + "\" is not an IP address");
  }

  static void requireAtMost(String path, List<?> items, int max) {
    if (items.size() > max) throw ErrorCode.invalid(path, "at most " + max + " items, got " + items.size());
  }
}
