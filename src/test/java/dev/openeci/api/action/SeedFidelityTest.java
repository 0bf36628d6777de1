package dev.openeci.api.action;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.group.GroupStatus;
import dev.openeci.imagecache.ImageCache;
import dev.openeci.testing.ApiHarness;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fidelity audit of the two seed operations (issue 13 item 11): every error code of the seeds'
 * error tables and every sentence that makes a parameter required, forbidden or limited is one row
 * of src/test/resources/fidelity/*.tsv, sent through the real request path (signature, dispatcher,
 * action, mapping, validation, store) of {@link ApiHarness}; the row's answer (code and HTTP status,
 * or OK) is asserted. docs/fidelity.md explains the columns and counts the verdicts.
 *
 * <p>Request syntax (column {@code request}, applied to a valid base request, {@code ;}-separated):
 * {@code Key=Value} sets, {@code -Key} removes, {@code [a..b]Key{i}=Value{i}} repeats for i in a..b,
 * {@code ${c*n}} in a value is c repeated n times. Directives: {@code @status=S} puts the group an
 * UpdateContainerGroup row targets into status S first; {@code @cache=Status} stores an image cache
 * {@code imc-<status>} in that status. One harness serves every row (rows are independent: each
 * update row creates its own group).
 */
class SeedFidelityTest {
  static final List<String> FILES = List.of("/fidelity/create-container-group.tsv",
      "/fidelity/update-container-group.tsv");
  static final Set<String> VERDICTS = Set.of("exact", "fixed", "deviation", "local", "elsewhere");
  static final Pattern REPEAT = Pattern.compile("^\\[(\\d+)\\.\\.(\\d+)\\](.*)$");
  static final Pattern TIMES = Pattern.compile("\\$\\{(.)\\*(\\d+)\\}");

  record Row(String id, String op, String kind, String seedCode, String seedStatus, String params, String sentence,
      String request, String code, int status, String verdict, String note) {
    @Override
    public String toString() {
      return id + " " + seedCode + " " + params;
    }
  }

  static List<Row> rows() {
    List<Row> out = new ArrayList<>();
    for (String f : FILES) {
      try (var in = SeedFidelityTest.class.getResourceAsStream(f);
          var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        boolean header = true;
        while ((line = r.readLine()) != null) {
          if (line.isBlank() || line.startsWith("#")) continue;
          if (header) {
            header = false;
            continue;
          }
          String[] c = line.split("\t", -1);
          if (c.length != 12) throw new AssertionError(f + ": " + c.length + " columns in " + line);
          out.add(new Row(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], Integer.parseInt(c[9]), c[10], c[11]));
        }
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
    return out;
  }

  static Stream<Row> table() {
    return rows().stream();
  }

  @TempDir
  static Path dir;
  static ApiHarness api;

  @BeforeAll
  static void open() {
    api = new ApiHarness(dir);
  }

  @AfterAll
  static void close() {
    api.close();
  }

  static Map<String, String> validCreate() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("RegionId", "cn-hangzhou");
    p.put("ContainerGroupName", "web");
    p.put("Container.1.Name", "app");
    p.put("Container.1.Image", "busybox");
    return p;
  }

  /** Applies the row's request to {@code p}; returns the directives. */
  static Map<String, String> apply(Map<String, String> p, String request) {
    Map<String, String> directives = new LinkedHashMap<>();
    if (request.equals("-") || request.isEmpty()) return directives;
    for (String part : request.split(";")) {
      if (part.startsWith("@")) {
        int eq = part.indexOf('=');
        directives.put(part.substring(1, eq), part.substring(eq + 1));
        continue;
      }
      Matcher m = REPEAT.matcher(part);
      if (m.matches()) {
        for (int i = Integer.parseInt(m.group(1)); i <= Integer.parseInt(m.group(2)); i++) {
          set(p, m.group(3).replace("{i}", Integer.toString(i)));
        }
      } else {
        set(p, part);
      }
    }
    return directives;
  }

  private static void set(Map<String, String> p, String part) {
    if (part.startsWith("-")) {
      p.remove(part.substring(1));
      return;
    }
    int eq = part.indexOf('=');
    String value = part.substring(eq + 1);
    Matcher t = TIMES.matcher(value);
    StringBuilder b = new StringBuilder();
    while (t.find()) t.appendReplacement(b, Matcher.quoteReplacement(t.group(1).repeat(Integer.parseInt(t.group(2)))));
    t.appendTail(b);
    p.put(part.substring(0, eq), b.toString());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void theSeedsRuleHoldsThroughTheRequestPath(Row row) {
    ApiHarness.Reply reply;
    if (row.op().equals("Create")) {
      Map<String, String> p = validCreate();
      Map<String, String> d = apply(p, row.request());
      directives(d, null);
      reply = api.call("CreateContainerGroup", p);
    } else {
      ApiHarness.Reply created = api.call("CreateContainerGroup", validCreate());
      assertThat(created.status()).as("the group an update row targets").isEqualTo(200);
      String id = created.body().get("ContainerGroupId").asText();
      Map<String, String> p = new LinkedHashMap<>();
      p.put("RegionId", "cn-hangzhou");
      p.put("ContainerGroupId", id);
      Map<String, String> d = apply(p, row.request());
      directives(d, id);
      reply = api.call("UpdateContainerGroup", p);
    }
    if (row.code().equals("OK")) {
      assertThat(reply.status()).as("%s: %s", row, reply.body()).isEqualTo(200);
      assertThat(reply.code()).as("%s: %s", row, reply.body()).isNull();
      if (row.op().equals("Create")) assertThat(reply.body().get("ContainerGroupId").asText()).startsWith("eci-");
    } else {
      assertThat(reply.code()).as("%s: %s", row, reply.body()).isEqualTo(row.code());
      assertThat(reply.status()).as("%s: %s", row, reply.body()).isEqualTo(row.status());
      // The ECI envelope: every error carries RequestId, Code and Message.
      assertThat(reply.body().get("RequestId").asText()).isNotEmpty();
      assertThat(reply.body().get("Message").asText()).isNotEmpty();
      if (row.code().equals("InvalidParameter") || row.code().equals("MissingParameter")) {
        // Refused for the row's reason, not another: the message names the row's (first) parameter.
        String first = row.params().split("[ ,(]")[0];
        assertThat(reply.body().get("Message").asText()).as("%s names %s", row.id(), first)
            .containsPattern(pathPattern(first));
      }
    }
  }

  /** A catalogue path ({@code Container.N.Port.N.Port}) as a pattern matching its instances. */
  static Pattern pathPattern(String generic) {
    StringBuilder b = new StringBuilder();
    for (String seg : generic.split("\\.")) {
      if (b.length() > 0) b.append("\\.");
      b.append(seg.equals("N") ? "\\d+" : Pattern.quote(seg));
    }
    return Pattern.compile(b.toString());
  }

  private static void directives(Map<String, String> d, String groupId) {
    String status = d.get("status");
    if (status != null) {
      api.repo.modify(groupId, g -> g.withState(g.state().withStatus(GroupStatus.valueOf(status)), Instant.now()));
    }
    String cache = d.get("cache");
    if (cache != null) {
      String id = "imc-" + cache.toLowerCase(java.util.Locale.ROOT);
      if (api.imageCaches.get(id).isPresent()) return;
      api.imageCaches.insert(new ImageCache(id, "acct", "cn-hangzhou", "cache", List.of("busybox"), cache,
          100, Instant.now(), null, null, List.of(), List.of()));
    }
  }

  /** C-S113: the seed's SizeLimit is in GiB, so "2" is stored as 2Gi (and every reader of the spec sizes 2 GiB). */
  @Test
  void aBareEmptyDirSizeLimitIsGiB() {
    Map<String, String> p = validCreate();
    apply(p, "Volume.1.Name=v1;Volume.1.Type=EmptyDirVolume;Volume.1.EmptyDirVolume.SizeLimit=2");
    ApiHarness.Reply r = api.call("CreateContainerGroup", p);
    assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
    var g = api.repo.get(r.body().get("ContainerGroupId").asText()).orElseThrow();
    assertThat(((dev.openeci.group.VolumeSpec.EmptyDir) g.spec().volumes().get(0)).sizeLimit()).isEqualTo("2Gi");
  }

  /** docs/fidelity.md's counts table is the tables' own count (no stale figure, none missing). */
  @Test
  void theDocumentedCountsAreTheTablesCounts() throws IOException {
    Map<String, Integer> counted = new java.util.TreeMap<>();
    for (Row r : rows()) {
      counted.merge(r.op().toLowerCase(java.util.Locale.ROOT) + " | " + r.kind() + " | " + r.verdict(), 1, Integer::sum);
    }
    Map<String, Integer> documented = new java.util.TreeMap<>();
    Pattern line = Pattern.compile("^\\| (create|update) \\| (code|sentence) \\| (\\w+) \\| (\\d+) \\|$");
    for (String l : java.nio.file.Files.readAllLines(Path.of("docs/fidelity.md"))) {
      Matcher m = line.matcher(l);
      if (m.matches()) documented.put(m.group(1) + " | " + m.group(2) + " | " + m.group(3), Integer.parseInt(m.group(4)));
    }
    assertThat(documented).isEqualTo(counted);
  }

  /** The table is well formed: known verdicts, exact rows answer the seed's code and status. */
  @Test
  void everyRowHasAVerdictThatMatchesItsAnswer() {
    List<Row> rows = rows();
    assertThat(rows).isNotEmpty();
    Set<String> ids = new java.util.HashSet<>();
    for (Row r : rows) {
      assertThat(ids.add(r.id())).as("unique id %s", r.id()).isTrue();
      assertThat(VERDICTS).as(r.id()).contains(r.verdict());
      assertThat(r.kind()).as(r.id()).isIn("code", "sentence");
      if (r.verdict().equals("exact") || r.verdict().equals("fixed")) {
        if (!r.seedCode().equals("-")) {
          assertThat(r.code()).as("%s answers the seed's code", r.id()).isEqualTo(r.seedCode());
          assertThat(Integer.toString(r.status())).as(r.id()).isEqualTo(r.seedStatus());
        }
      } else {
        assertThat(r.note()).as("%s: a deviation says why", r.id()).isNotBlank();
      }
    }
  }
}
