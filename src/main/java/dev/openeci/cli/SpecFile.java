package dev.openeci.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A CreateContainerGroup (or UpdateContainerGroup) spec file, YAML or JSON, in ECI's flattened
 * form ({@code "Container.1.Name": "web"}) or nested form ({@code Container: [{Name: web}]}), or a
 * mix: objects become {@code Parent.Child}, lists {@code Parent.N} (1-based), scalars their text.
 * A top-level {@code Action}, {@code Version} or signature parameter is refused.
 */
public final class SpecFile {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private SpecFile() {}

  public static Map<String, String> read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new CliException(2, "cannot read " + file + ": " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  /** JSON is YAML too, so one parser reads both. */
  public static Map<String, String> parse(String text, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (IOException e) {
      throw new CliException(2, source + ": not YAML or JSON: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new CliException(2, source + ": must hold an object of CreateContainerGroup parameters");
    }
    Map<String, String> out = new LinkedHashMap<>();
    flatten("", root, out, source);
    for (String k : out.keySet()) {
      String top = k.contains(".") ? k.substring(0, k.indexOf('.')) : k;
      if (top.equals("Action") || top.equals("Version") || top.equals("Signature") || top.equals("AccessKeyId")) {
        throw new CliException(2, source + ": " + k + " is not a parameter of a spec file (the CLI sets it)");
      }
    }
    return out;
  }

  private static void flatten(String prefix, JsonNode n, Map<String, String> out, String source) {
    if (n.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out, source);
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) flatten(prefix + "." + (i + 1), n.get(i), out, source);
    } else if (n.isNull()) {
      // absent
    } else {
      if (out.containsKey(prefix)) throw new CliException(2, source + ": " + prefix + " is given twice");
      out.put(prefix, n.asText());
    }
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
