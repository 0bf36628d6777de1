package dev.openeci.api.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.api.action.TagRequests.Row;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.error.ApiException;
import dev.openeci.group.Tag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The tag rules of TagResources / UntagResources / ListTagResources, without a server. */
class TagRequestsTest {

  static ParamReader params(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return new ParamReader(m);
  }

  static String code(Runnable r) {
    try {
      r.run();
      return "ok";
    } catch (ApiException e) {
      return e.code();
    }
  }

  static Stream<Arguments> tagCases() {
    String k128 = "k".repeat(128);
    return Stream.of(
        Arguments.of("plain key and value", new String[] {"Tag.1.Key", "env", "Tag.1.Value", "prod"}, "ok"),
        Arguments.of("empty value", new String[] {"Tag.1.Key", "env", "Tag.1.Value", ""}, "ok"),
        Arguments.of("value absent", new String[] {"Tag.1.Key", "env"}, "ok"),
        Arguments.of("128-char key", new String[] {"Tag.1.Key", k128}, "ok"),
        Arguments.of("129-char key", new String[] {"Tag.1.Key", k128 + "k"}, "InvalidParameter"),
        Arguments.of("129-char value", new String[] {"Tag.1.Key", "a", "Tag.1.Value", "v".repeat(129)},
            "InvalidParameter"),
        Arguments.of("aliyun prefix", new String[] {"Tag.1.Key", "aliyunX"}, "InvalidParameter"),
        Arguments.of("ALIYUN prefix", new String[] {"Tag.1.Key", "ALIYUN-x"}, "InvalidParameter"),
        Arguments.of("acs: prefix", new String[] {"Tag.1.Key", "acs:rm"}, "InvalidParameter"),
        Arguments.of("acs: value", new String[] {"Tag.1.Key", "a", "Tag.1.Value", "acs:x"}, "InvalidParameter"),
        Arguments.of("url in key", new String[] {"Tag.1.Key", "see-http://x"}, "InvalidParameter"),
        Arguments.of("url in value", new String[] {"Tag.1.Key", "a", "Tag.1.Value", "https://x"}, "InvalidParameter"),
        Arguments.of("no tag", new String[] {}, "MissingParameter"),
        Arguments.of("empty key", new String[] {"Tag.1.Key", "", "Tag.1.Value", "v"}, "MissingParameter"),
        Arguments.of("duplicate key", new String[] {"Tag.1.Key", "a", "Tag.2.Key", "a"}, "InvalidParameter"),
        Arguments.of("21 tags", twentyOne(), "NumberExceed.Tags"));
  }

  static String[] twentyOne() {
    List<String> kv = new ArrayList<>();
    for (int i = 1; i <= 21; i++) kv.addAll(List.of("Tag." + i + ".Key", "k" + i));
    return kv.toArray(String[]::new);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tagCases")
  void tagValidation(String name, String[] kv, String expected) {
    assertThat(code(() -> TagRequests.tagsToAdd(params(kv)))).isEqualTo(expected);
  }

  static Stream<Arguments> resourceCases() {
    List<String> fiftyOne = new ArrayList<>();
    for (int i = 1; i <= 51; i++) fiftyOne.addAll(List.of("ResourceId." + i, "eci-" + i));
    return Stream.of(
        Arguments.of(new String[] {"ResourceType", "ContainerGroup", "ResourceId.1", "eci-1"}, "ok"),
        Arguments.of(new String[] {"ResourceType", "containergroup", "ResourceId.1", "eci-1"}, "ok"),
        Arguments.of(new String[] {"ResourceType", "ImageCache", "ResourceId.1", "imc-1"}, "ok"),
        Arguments.of(new String[] {"ResourceType", "VirtualNode", "ResourceId.1", "vnd-1"}, "InvalidParameter"),
        Arguments.of(new String[] {"ResourceId.1", "eci-1"}, "MissingParameter"),
        Arguments.of(new String[] {"ResourceType", "ContainerGroup"}, "MissingParameter"),
        Arguments.of(Stream.concat(Stream.of("ResourceType", "ContainerGroup"), fiftyOne.stream())
            .toArray(String[]::new), "InvalidParameter"));
  }

  @ParameterizedTest
  @MethodSource("resourceCases")
  void resourceTypeAndIds(String[] kv, String expected) {
    assertThat(code(() -> {
      TagRequests.resourceType(params(kv));
      TagRequests.resourceIds(params(kv), true);
    })).isEqualTo(expected);
  }

  static List<Tag> tags(String... kv) {
    List<Tag> out = new ArrayList<>();
    for (int i = 0; i < kv.length; i += 2) out.add(new Tag(kv[i], kv[i + 1]));
    return out;
  }

  @Test
  void mergeReplacesValuesInPlaceAppendsNewKeysAndStopsAtTwenty() {
    assertThat(TagRequests.merge("eci-1", tags("a", "1", "b", "2"), tags("b", "3", "c", "4")))
        .isEqualTo(tags("a", "1", "b", "3", "c", "4"));
    List<Tag> nineteen = new ArrayList<>();
    for (int i = 0; i < 19; i++) nineteen.add(new Tag("k" + i, ""));
    assertThat(TagRequests.merge("eci-1", nineteen, tags("new", "x"))).hasSize(20);
    assertThat(TagRequests.merge("eci-1", nineteen, tags("k0", "y", "new", "x"))).hasSize(20);
    assertThatThrownBy(() -> TagRequests.merge("eci-1", nineteen, tags("new", "x", "new2", "y")))
        .isInstanceOf(ApiException.class).hasMessageContaining("eci-1 has 19 tags")
        .extracting(e -> ((ApiException) e).code()).isEqualTo("NumberExceed.Tags");
  }

  static Stream<Arguments> removeCases() {
    return Stream.of(
        Arguments.of(List.of("a"), false, tags("b", "2", "c", "3")),
        Arguments.of(List.of("a", "c", "zz"), false, tags("b", "2")),
        Arguments.of(List.of(), true, tags()),
        Arguments.of(List.of(), false, tags("a", "1", "b", "2", "c", "3")),
        Arguments.of(List.of("b"), true, tags("a", "1", "c", "3"))); // All only applies without TagKey
  }

  @ParameterizedTest
  @MethodSource("removeCases")
  void remove(List<String> keys, boolean all, List<Tag> expected) {
    assertThat(TagRequests.remove(tags("a", "1", "b", "2", "c", "3"), keys, all)).isEqualTo(expected);
  }

  @Test
  void filterMatchesEveryTagAndAnEmptyValueMatchesAnyValue() {
    List<Tag> have = tags("team", "red", "env", "prod");
    assertThat(TagRequests.matches(have, tags())).isTrue();
    assertThat(TagRequests.matches(have, tags("team", "red"))).isTrue();
    assertThat(TagRequests.matches(have, tags("team", ""))).isTrue();
    assertThat(TagRequests.matches(have, List.of(new Tag("team", null)))).isTrue();
    assertThat(TagRequests.matches(have, tags("team", "blue"))).isFalse();
    assertThat(TagRequests.matches(have, tags("team", "red", "owner", ""))).isFalse();
  }

  @Test
  void pagesWalkEveryRowOnceInOrderAndSurviveRowsRemovedBeforeTheToken() {
    List<Row> rows = new ArrayList<>();
    for (String id : List.of("eci-c", "eci-a", "eci-b")) {
      for (String k : List.of("y", "x")) rows.add(new Row(id, "ContainerGroup", k, id + k));
    }
    List<Row> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      TagRequests.Page p = TagRequests.page(rows, token, 4);
      seen.addAll(p.rows());
      token = p.nextToken();
      pages++;
    } while (!token.isEmpty());
    assertThat(pages).isEqualTo(2);
    assertThat(seen).extracting(r -> r.resourceId() + "/" + r.tagKey())
        .containsExactly("eci-a/x", "eci-a/y", "eci-b/x", "eci-b/y", "eci-c/x", "eci-c/y");

    TagRequests.Page first = TagRequests.page(rows, null, 3);
    assertThat(first.rows()).extracting(Row::tagKey).containsExactly("x", "y", "x");
    // The rows already returned go away (a group deleted): the next page still starts after the token.
    List<Row> fewer = rows.stream().filter(r -> !r.resourceId().equals("eci-a")).toList();
    assertThat(TagRequests.page(fewer, first.nextToken(), 3).rows())
        .extracting(r -> r.resourceId() + "/" + r.tagKey()).containsExactly("eci-b/y", "eci-c/x", "eci-c/y");
    assertThat(TagRequests.page(rows, null, 100).nextToken()).isEmpty();
  }

  static Stream<Arguments> badPaging() {
    return Stream.of(Arguments.of("not base64 !!", 10), Arguments.of("bm9uZXdsaW5l", 10), // "nonewline"
        Arguments.of(null, 0), Arguments.of(null, 101));
  }

  @ParameterizedTest
  @MethodSource("badPaging")
  void badTokensAndLimitsAreInvalidParameter(String token, int limit) {
    assertThat(code(() -> TagRequests.page(List.of(), token, limit))).isEqualTo("InvalidParameter");
  }
}
