package dev.openeci.datacache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.api.mapping.DataCacheMapper;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.error.ApiException;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** CreateDataCache's parameters: every bad value is a documented 4xx code, never a 500. */
class DataCacheMapperTest {
  static Map<String, String> base() {
    Map<String, String> m = new HashMap<>();
    m.put("Path", "/models/bert");
    m.put("DataSource.Type", "URL");
    m.put("DataSource.Options.url", "https://example.com/model.bin");
    return m;
  }

  static Stream<Arguments> bad() {
    return Stream.of(
        Arguments.of("no Path", "Path", null, "MissingParameter"),
        Arguments.of("relative Path", "Path", "models/bert", "InvalidParameter"),
        Arguments.of("dot-dot Path", "Path", "/models/../../etc", "InvalidParameter"),
        Arguments.of("dot Path", "Path", "/models/./x", "InvalidParameter"),
        Arguments.of("root Path", "Path", "/", "InvalidParameter"),
        Arguments.of("empty name", "Path", "/a//b", "InvalidParameter"),
        Arguments.of("NUL in Path", "Path", "/a\u0000b", "InvalidParameter"),
        Arguments.of("long Path", "Path", "/" + "a".repeat(1100), "InvalidParameter"),
        Arguments.of("reserved bucket", "Bucket", "eci-system", "InvalidParameter"),
        Arguments.of("bad bucket", "Bucket", "../x", "InvalidParameter"),
        Arguments.of("bad name", "Name", "-x", "InvalidParameter"),
        Arguments.of("size 0", "Size", "0", "InvalidParameter"),
        Arguments.of("size huge", "Size", "99999999", "InvalidParameter"),
        Arguments.of("size not a number", "Size", "ten", "InvalidParameter"),
        Arguments.of("retention 0", "RetentionDays", "0", "InvalidParameter"),
        Arguments.of("no source type", "DataSource.Type", null, "MissingParameter"),
        Arguments.of("unknown source", "DataSource.Type", "OSS", "DataCache.UnsupportedDataSource"),
        Arguments.of("weird source", "DataSource.Type", "a b", "InvalidParameter"),
        Arguments.of("no url", "DataSource.Options.url", null, "MissingParameter"),
        Arguments.of("file url", "DataSource.Options.url", "file:///etc/passwd", "InvalidParameter"),
        Arguments.of("ftp url", "DataSource.Options.url", "ftp://example.com/x", "InvalidParameter"),
        Arguments.of("url with space", "DataSource.Options.url", "https://example.com/a b", "InvalidParameter"),
        Arguments.of("url too long", "DataSource.Options.url", "https://example.com/" + "a".repeat(3000),
            "InvalidParameter"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bad")
  void refused(String why, String key, String value, String code) {
    Map<String, String> m = base();
    if (value == null) {
      m.remove(key);
    } else {
      m.put(key, value);
    }
    assertThatThrownBy(() -> DataCacheMapper.create(new ParamReader(m))).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.code()).as(why).isEqualTo(code));
  }

  static Stream<Arguments> hostPaths() {
    return Stream.of(Arguments.of("relative", "etc/passwd"), Arguments.of("dot-dot", "/srv/data/../../etc"),
        Arguments.of("empty name", "/srv//data"), Arguments.of("root", "/"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostPaths")
  void hostPathSourcesMustBePlainAbsolutePaths(String why, String path) {
    Map<String, String> m = base();
    m.put("DataSource.Type", "HostPath");
    m.remove("DataSource.Options.url");
    m.put("DataSource.Options.path", path);
    assertThatThrownBy(() -> DataCacheMapper.create(new ParamReader(m))).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.code()).as(why).isEqualTo("InvalidParameter"));
  }

  @org.junit.jupiter.api.Test
  void defaultsAndJsonOptions() {
    Map<String, String> m = base();
    m.remove("DataSource.Options.url");
    m.put("DataSource.Options", "{\"url\":\"https://example.com/m.bin\"}");
    m.put("Path", "/models/bert/");
    DataCacheService.Request r = DataCacheMapper.create(new ParamReader(m));
    assertThat(r.bucket()).isEqualTo("default");
    assertThat(r.path()).isEqualTo("/models/bert");
    assertThat(r.name()).isEqualTo("bert");
    assertThat(r.sizeGiB()).isEqualTo(20);
    assertThat(r.source().options()).containsEntry("url", "https://example.com/m.bin");
  }
}
