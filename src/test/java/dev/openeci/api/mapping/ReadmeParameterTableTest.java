package dev.openeci.api.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's parameter table lists every seed parameter (nothing unlisted, nothing stale). */
class ReadmeParameterTableTest {
  @Test
  void everyCataloguedParameterHasARow() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    List<String> paths = CatalogueCoverageTest.catalogue("/CreateContainerGroup.params.tsv").stream()
        .map(r -> r[0]).toList();
    for (String p : paths) assertThat(readme).as(p).contains("| `" + p + "` |");
  }
}
