package dev.openeci.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.error.ErrorCode;
import dev.openeci.api.rpc.ResponseWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every error code a client can get has its section in docs/errors.md, where Recommend points. */
class ErrorDocsTest {
  static Set<String> codes() {
    Set<String> codes = new LinkedHashSet<>();
    for (ErrorCode c : ErrorCode.values()) codes.add(c.code());
    return codes;
  }

  @Test
  void everyCodeHasASectionWithItsStatusMeaningAndWhatToDo() throws Exception {
    String doc = Files.readString(Path.of("docs/errors.md"));
    Set<String> anchors = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?m)^### (.+)$").matcher(doc);
    while (m.find()) anchors.add(ResponseWriter.anchor(m.group(1).trim()));
    for (String code : codes()) {
      assertThat(anchors).as("docs/errors.md has a section for " + code).contains(ResponseWriter.anchor(code));
      int at = doc.indexOf("\n### " + code + "\n");
      int end = doc.indexOf("\n##", at + 5);
      String section = doc.substring(at, end < 0 ? doc.length() : end);
      assertThat(section).as(code).containsPattern("HTTP \\d{3}").contains("**What to do:**");
    }
    // the status in the docs is the one served
    for (ErrorCode c : ErrorCode.values()) {
      assertThat(doc).as(c.code()).contains("\n### " + c.code() + "\n\nHTTP " + c.httpStatus());
    }
  }

  @Test
  void theDefaultRecommendIsAPathThatExistsInTheRepository() throws Exception {
    String rec = ResponseWriter.DEFAULT_RECOMMEND.replace("{anchor}", "x");
    assertThat(Path.of(rec.substring(0, rec.indexOf('#')))).exists();
  }
}
