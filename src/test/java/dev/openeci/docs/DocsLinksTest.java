package dev.openeci.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No dead links in README.md and docs/*.md: every relative Markdown link, and every
 * {@code docs/...}, {@code etc/...} or {@code scripts/...} path named in the text, exists in the
 * repository; every {@code #anchor} into a Markdown file of the repository names one of its headings.
 */
class DocsLinksTest {
  static final Path ROOT = Path.of("").toAbsolutePath();
  static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
  static final Pattern MENTION = Pattern.compile("(?<![\\w/.~-])((?:docs|etc|scripts)/[A-Za-z0-9_./-]*[A-Za-z0-9_/])"
      + "(#[a-z0-9_-]+)?");

  static List<Path> docs() throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(ROOT.resolve("README.md"));
    try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
    }
    return files;
  }

  /** GitHub's heading anchors: lower case, punctuation other than '-' and '_' dropped, spaces as '-'. */
  static String slug(String heading) {
    String h = heading.trim().toLowerCase(Locale.ROOT).replaceAll("[`*]", "");
    return h.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
  }

  static Set<String> anchors(Path md) throws IOException {
    Set<String> out = new HashSet<>();
    boolean fence = false;
    for (String line : Files.readAllLines(md)) {
      if (line.startsWith("```")) fence = !fence;
      if (!fence && line.matches("#{1,6} .*")) out.add(slug(line.replaceFirst("#{1,6} ", "")));
    }
    return out;
  }

  List<String> dead() throws IOException {
    List<String> dead = new ArrayList<>();
    for (Path file : docs()) {
      String rel = ROOT.relativize(file).toString();
      String text = Files.readString(file);
      // Markdown links outside code (a code span may hold a regex like "[a-z](x)"); paths anywhere
      Matcher m = LINK.matcher(text.replaceAll("(?ms)^```.*?^```", "").replaceAll("`[^`\n]*`", ""));
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("[a-z]+:.*")) continue; // http:, https:, mailto:
        String path = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
        String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
        Path resolved = path.isEmpty() ? file : file.getParent().resolve(path).normalize();
        check(dead, rel, target, resolved, anchor);
      }
      Matcher n = MENTION.matcher(text);
      while (n.find()) {
        String anchor = n.group(2) == null ? null : n.group(2).substring(1);
        check(dead, rel, n.group(), ROOT.resolve(n.group(1)).normalize(), anchor);
      }
    }
    return dead;
  }

  static void check(List<String> dead, String in, String what, Path resolved, String anchor) throws IOException {
    if (!Files.exists(resolved)) {
      dead.add(in + ": " + what + " (no such file)");
    } else if (anchor != null && resolved.toString().endsWith(".md") && !anchors(resolved).contains(anchor)) {
      dead.add(in + ": " + what + " (no heading with anchor #" + anchor + ")");
    }
  }

  @Test
  void everyLinkAndPathInTheDocsExists() throws IOException {
    assertThat(docs()).hasSizeGreaterThan(5);
    assertThat(dead()).isEmpty();
  }

  @Test
  void theCheckerFindsADeadPathAndAnchor() throws IOException {
    List<String> dead = new ArrayList<>();
    check(dead, "x.md", "docs/nope.md", ROOT.resolve("docs/nope.md"), null);
    check(dead, "x.md", "docs/errors.md#nope", ROOT.resolve("docs/errors.md"), "nope-no-such-code");
    check(dead, "x.md", "docs/errors.md#invalidparameter", ROOT.resolve("docs/errors.md"), "invalidparameter");
    assertThat(dead).containsExactly("x.md: docs/nope.md (no such file)",
        "x.md: docs/errors.md#nope (no heading with anchor #nope-no-such-code)");
    assertThat(slug("InvalidParameter.NotFound")).isEqualTo("invalidparameternotfound");
    assertThat(slug("4.2 V3: `ACS3-HMAC-SHA256`")).isEqualTo("42-v3-acs3-hmac-sha256");
  }
}
