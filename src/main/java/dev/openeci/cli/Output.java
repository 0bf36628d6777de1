package dev.openeci.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** {@code -o table|json|yaml}: tables for people, the API's JSON (or YAML) for programs. */
public final class Output {
  public enum Format { table, json, yaml }

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

  private Output() {}

  /** The JSON or YAML text of {@code node} (for json/yaml), newline-terminated. */
  public static String render(JsonNode node, Format format) {
    try {
      return switch (format) {
        case json -> EciClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n";
        case yaml -> YAML.writeValueAsString(node);
        case table -> throw new IllegalArgumentException("a table needs columns");
      };
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Rows of cells, columns left-aligned and separated by three spaces (as kubectl prints). */
  public static final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final int width;

    public Table(String... header) {
      this.width = header.length;
      rows.add(header);
    }

    public Table row(Object... cells) {
      if (cells.length != width) throw new IllegalArgumentException("expected " + width + " cells");
      String[] r = new String[width];
      for (int i = 0; i < width; i++) r[i] = cells[i] == null ? "" : cells[i].toString().replace('\n', ' ');
      rows.add(r);
      return this;
    }

    public int size() {
      return rows.size() - 1;
    }

    @Override
    public String toString() {
      int[] w = new int[width];
      for (String[] r : rows) {
        for (int i = 0; i < width; i++) w[i] = Math.max(w[i], r[i].codePointCount(0, r[i].length()));
      }
      StringBuilder sb = new StringBuilder();
      for (String[] r : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < width; i++) {
          line.append(r[i]);
          if (i < width - 1) line.append(" ".repeat(w[i] - r[i].codePointCount(0, r[i].length()) + 3));
        }
        sb.append(line.toString().stripTrailing()).append('\n');
      }
      return sb.toString();
    }
  }

  /** kubectl's short age: 45s, 12m, 5h, 3d; "" when unknown. */
  public static String age(String rfc3339, Instant now) {
    if (rfc3339 == null || rfc3339.isEmpty()) return "";
    Instant t;
    try {
      t = Instant.parse(rfc3339);
    } catch (DateTimeParseException e) {
      return "";
    }
    return age(Duration.between(t, now));
  }

  public static String age(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 120) return s + "s";
    if (s < 7200) return (s / 60) + "m";
    if (s < 48 * 3600) return (s / 3600) + "h";
    return (s / 86400) + "d";
  }

  /** A text field, "" for missing or null. */
  static String text(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isMissingNode() || v.isNull() ? "" : v.asText();
  }
}
