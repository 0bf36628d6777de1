package dev.openeci.api.rpc;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.openeci.api.error.ApiException;
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

  private final ObjectMapper json = new ObjectMapper()
      .setSerializationInclusion(JsonInclude.Include.NON_NULL)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  public HttpReply success(String requestId, String action, Object body, String format) {
    ObjectNode root = json.createObjectNode();
    root.put("RequestId", requestId);
    JsonNode tree = json.valueToTree(body == null ? Map.of() : body);
    if (tree instanceof ObjectNode obj) {
      obj.remove("RequestId");
      root.setAll(obj);
    }
    return render(200, root, action + "Response", format);
  }

  public HttpReply error(String requestId, String host, ApiException e, String format) {
    ObjectNode root = json.createObjectNode();
    root.put("RequestId", requestId);
    root.put("HostId", host == null ? "openeci" : host);
    root.put("Code", e.code());
    root.put("Message", e.getMessage());
    root.put("Recommend", "https://api.aliyun.com/troubleshoot?q=" + e.code() + "&product=Eci&requestId="
        + requestId);
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

  /** XML as Alibaba's gateway writes it: list items repeat the list's element name. */
  private static void element(StringBuilder b, String name, JsonNode node) {
    if (node.isArray()) {
      for (JsonNode item : (ArrayNode) node) element(b, name, item);
      return;
    }
    b.append('<').append(name).append('>');
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        element(b, f.getKey(), f.getValue());
      }
    } else if (!node.isNull()) {
      escape(b, node.asText());
    }
    b.append("</").append(name).append('>');
  }

  private static void escape(StringBuilder b, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        default -> {
          if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') b.append("&#x").append(Integer.toHexString(c)).append(';');
          else b.append(c);
        }
      }
    }
  }
}
