package dev.openeci.api.rpc;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import dev.openeci.error.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * Success bodies and the error envelope, in JSON (default; raw UTF-8, real arrays, numbers as
 * numbers, nulls omitted) or XML ({@code Format=XML}). Every body starts with RequestId.
 */
public final class ResponseWriter {
  public static final String JSON_TYPE = "application/json;charset=utf-8";
  public static final String XML_TYPE = "text/xml;charset=utf-8";

  /**
   * Where an error's {@code Recommend} points by default: openeci's own error reference, one
   * section per code (docs/errors.md in the repository and the distribution).
   */
  public static final String DEFAULT_RECOMMEND = "docs/errors.md#{anchor}";
  /** Environment variable (and {@code serve --error-docs-url}) that sets the Recommend template. */
  public static final String RECOMMEND_ENV = "OPENECI_ERROR_DOCS_URL";

  private final ObjectMapper json = jsonMapper();
  private final String recommend;

  public ResponseWriter() {
    this(DEFAULT_RECOMMEND);
  }

  /**
   * {@code recommendTemplate}: the error envelope's Recommend, with {@code {code}} (the error code),
   * {@code {anchor}} (its section in docs/errors.md) and {@code {requestId}} replaced; e.g.
   * {@code https://git.example.com/openeci/blob/main/docs/errors.md#{anchor}}. Null or blank = the default.
   */
  public ResponseWriter(String recommendTemplate) {
    this.recommend = recommendTemplate == null || recommendTemplate.isBlank() ? DEFAULT_RECOMMEND
        : recommendTemplate.trim();
  }

  /**
   * The section of docs/errors.md about {@code code}: its heading's anchor as GitHub and
   * Python-Markdown make it (lower case; characters other than letters, digits, '-', '_' dropped).
   */
  public static String anchor(String code) {
    StringBuilder b = new StringBuilder(code.length());
    for (char c : code.toLowerCase(java.util.Locale.ROOT).toCharArray()) {
      if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') b.append(c);
    }
    return b.toString();
  }

  String recommend(String code, String requestId) {
    return recommend.replace("{code}", code).replace("{anchor}", anchor(code)).replace("{requestId}", requestId);
  }

  /** How response bodies are written (also used to pre-render cached parts of bodies). */
  public static ObjectMapper jsonMapper() {
    return new ObjectMapper()
        .registerModule(new BlackbirdModule())
        .setSerializationInclusion(JsonInclude.Include.NON_NULL)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  }

  /**
   * A response body that renders its own JSON bytes (the Describe hot path, made of pre-rendered
   * per-group JSON); the XML format still serializes the object itself.
   */
  public interface PreRendered {
    byte[] json();
  }

  public HttpReply success(String requestId, String action, Object body, String format) {
    if (body instanceof Map<?, ?> m && m.containsKey("RequestId")) {
      Map<Object, Object> copy = new java.util.LinkedHashMap<>(m);
      copy.remove("RequestId");
      body = copy;
    }
    if (format != null && format.equalsIgnoreCase("XML")) {
      ObjectNode root = json.createObjectNode();
      root.put("RequestId", requestId);
      JsonNode tree = json.valueToTree(body == null ? Map.of() : body);
      if (tree instanceof ObjectNode obj) root.setAll(obj);
      return render(200, root, action + "Response", format);
    }
    // JSON, the hot path: the body is serialized once, straight to bytes, and RequestId is
    // spliced in as its first member (no intermediate tree).
    byte[] inner;
    try {
      inner = body instanceof PreRendered p ? p.json() : json.writeValueAsBytes(body == null ? Map.of() : body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return new HttpReply(200, JSON_TYPE, withRequestId(requestId, inner));
  }

  /** {@code {"RequestId":"<id>", <members of inner>}}; a non-object {@code inner} is dropped. */
  static byte[] withRequestId(String requestId, byte[] inner) {
    byte[] head = ("{\"RequestId\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(requestId)) + "\"")
        .getBytes(StandardCharsets.UTF_8);
    int start = 0;
    int end = inner.length;
    while (start < end && Character.isWhitespace(inner[start])) start++;
    while (end > start && Character.isWhitespace(inner[end - 1])) end--;
    boolean object = end - start >= 2 && inner[start] == '{' && inner[end - 1] == '}';
    int first = start + 1;
    while (object && first < end - 1 && Character.isWhitespace(inner[first])) first++;
    boolean empty = !object || first == end - 1;
    byte[] out = new byte[head.length + (empty ? 1 : 1 + (end - 1 - first) + 1)];
    System.arraycopy(head, 0, out, 0, head.length);
    int p = head.length;
    if (!empty) {
      out[p++] = ',';
      System.arraycopy(inner, first, out, p, end - 1 - first);
      p += end - 1 - first;
    }
    out[p] = '}';
    return out;
  }

  public HttpReply error(String requestId, String host, ApiException e, String format) {
    ObjectNode root = json.createObjectNode();
    root.put("RequestId", requestId);
    root.put("HostId", host == null ? "openeci" : host);
    root.put("Code", e.code());
    root.put("Message", e.getMessage());
    root.put("Recommend", recommend(e.code(), requestId));
    return render(e.httpStatus(), root, "Error", format);
  }

  private HttpReply render(int status, ObjectNode root, String xmlRoot, String format) {
    if (format != null && format.equalsIgnoreCase("XML")) {
      StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
      element(b, xmlRoot, root);
      return new HttpReply(status, XML_TYPE, b.toString().getBytes(StandardCharsets.UTF_8));
    }
    try {
      return new HttpReply(status, JSON_TYPE, json.writeValueAsBytes(root));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * XML as Alibaba's gateway writes it: list items repeat the list's element name. Always
   * well-formed XML 1.0, whatever the data: a member name that is not an XML name has its other
   * characters replaced by {@code _} (and a {@code _} prefix when it cannot start a name), and
   * characters XML 1.0 cannot carry at all (controls other than tab, LF, CR; U+FFFE/U+FFFF; lone
   * surrogates) become U+FFFD.
   */
  private static void element(StringBuilder b, String name, JsonNode node) {
    if (node.isArray()) {
      for (JsonNode item : (ArrayNode) node) element(b, name, item);
      return;
    }
    String tag = xmlName(name);
    b.append('<').append(tag).append('>');
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        element(b, f.getKey(), f.getValue());
      }
    } else if (!node.isNull()) {
      escape(b, node.asText());
    }
    b.append("</").append(tag).append('>');
  }

  static String xmlName(String name) {
    StringBuilder n = new StringBuilder(name.length() + 1);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_'
          || (i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'));
      if (i == 0 && !ok && (c >= '0' && c <= '9' || c == '-' || c == '.')) {
        n.append('_').append(c);
      } else {
        n.append(ok ? c : '_');
      }
    }
    return n.length() == 0 ? "_" : n.toString();
  }

  static void escape(StringBuilder b, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\r' -> b.append("&#13;");
        default -> {
          if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            b.append(c).append(s.charAt(++i));
          } else if (c < 0x20 && c != '\n' && c != '\t' || Character.isSurrogate(c) || c == '\uFFFE'
              || c == '\uFFFF') {
            b.append('\uFFFD');
          } else {
            b.append(c);
          }
        }
      }
    }
  }
}
