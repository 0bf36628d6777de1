package dev.openeci.datacache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Filling a cache never writes outside it, never follows a link, and stays within its bounds. */
class DataCacheFillerTest {
  @TempDir
  Path tmp;
  HttpServer http;
  final AtomicInteger requests = new AtomicInteger();
  String base;

  @BeforeEach
  void serve() throws Exception {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/small.txt", ex -> {
      requests.incrementAndGet();
      byte[] b = "hello cache".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    http.createContext("/big", ex -> {
      ex.sendResponseHeaders(200, 0); // chunked: no Content-Length, the limit must still hold
      byte[] chunk = new byte[8192];
      try {
        for (int i = 0; i < 64; i++) ex.getResponseBody().write(chunk);
      } catch (java.io.IOException ignored) {
        // the client hung up
      }
      ex.close();
    });
    http.createContext("/declared-big", ex -> {
      ex.sendResponseHeaders(200, 10_000_000);
      try {
        ex.getResponseBody().write(new byte[1]);
        ex.getResponseBody().flush();
      } catch (java.io.IOException ignored) {
        // the client hung up
      }
      ex.close();
    });
    http.createContext("/to-file", ex -> {
      ex.getResponseHeaders().add("Location", "file:///etc/passwd");
      ex.sendResponseHeaders(302, -1);
      ex.close();
    });
    http.createContext("/to-other-private", ex -> {
      ex.getResponseHeaders().add("Location", "http://10.255.255.1/x");
      ex.sendResponseHeaders(302, -1);
      ex.close();
    });
    http.createContext("/loop", ex -> {
      ex.getResponseHeaders().add("Location", "/loop");
      ex.sendResponseHeaders(302, -1);
      ex.close();
    });
    http.createContext("/missing", ex -> {
      ex.sendResponseHeaders(404, -1);
      ex.close();
    });
    http.start();
    base = "http://127.0.0.1:" + http.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    http.stop(0);
  }

  DataCacheFiller filler(List<Path> sources) {
    return new DataCacheFiller(new DataCachePolicy(sources, List.of("127.0.0.1"), 1 << 20, Duration.ofMinutes(1), 10));
  }

  Instant later() {
    return Instant.now().plusSeconds(30);
  }

  Path newDir(String name) throws Exception {
    return Files.createDirectory(tmp.resolve(name));
  }

  @Test
  void downloadsIntoTheCacheOnly() throws Exception {
    Path dir = newDir("fill");
    long n = filler(List.of()).fetch(base + "/small.txt?sig=secret", dir, 1024, later(), b -> {});
    assertThat(n).isEqualTo(11);
    assertThat(Files.readString(dir.resolve("small.txt"))).isEqualTo("hello cache");
    assertThat(requests).hasValue(1);
  }

  @Test
  void oversizedDownloadsFail() throws Exception {
    assertThatThrownBy(() -> filler(List.of()).fetch(base + "/big", newDir("a"), 100_000, later(), b -> {}))
        .isInstanceOf(DataCacheFiller.FillFailure.class).hasMessageContaining("larger");
    assertThatThrownBy(() -> filler(List.of()).fetch(base + "/declared-big", newDir("b"), 100_000, later(), b -> {}))
        .isInstanceOf(DataCacheFiller.FillFailure.class).hasMessageContaining("larger");
  }

  @Test
  void redirectsStayOnHttpAndPublicAddresses() throws Exception {
    assertThatThrownBy(() -> filler(List.of()).fetch(base + "/to-file", newDir("a"), 1024, later(), b -> {}))
        .isInstanceOf(DataCacheFiller.FillFailure.class).hasMessageContaining("http or https");
    assertThatThrownBy(() -> filler(List.of()).fetch(base + "/to-other-private", newDir("b"), 1024, later(), b -> {}))
        .isInstanceOf(DataCacheFiller.FillFailure.class).hasMessageContaining("private");
    assertThatThrownBy(() -> filler(List.of()).fetch(base + "/loop", newDir("c"), 1024, later(), b -> {}))
        .isInstanceOf(DataCacheFiller.FillFailure.class).hasMessageContaining("redirects");
    assertThatThrownBy(() -> filler(List.of()).fetch(base + "/missing", newDir("d"), 1024, later(), b -> {}))
        .isInstanceOf(DataCacheFiller.FillFailure.class).hasMessageContaining("404");
  }

  @Test
  void privateAddressesNeedTheOperatorsConsent() {
    DataCacheFiller strict = new DataCacheFiller(DataCachePolicy.DEFAULT);
    for (String url : List.of("http://127.0.0.1/x", "http://localhost/x", "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/x", "http://192.168.1.1/x", "http://[::1]/x", "http://0.0.0.0/x", "http://100.100.100.200/x")) {
      assertThat(strict.urlProblem(url)).as(url).contains("private");
    }
    assertThat(strict.urlProblem("http://user:pw@example.com/x")).contains("credentials");
    assertThat(strict.urlProblem("gopher://example.com/x")).contains("http or https");
    assertThat(filler(List.of()).urlProblem("http://127.0.0.1:1/x")).isNull();
  }

  @Test
  void copiesWithoutFollowingLinks() throws Exception {
    Path src = newDir("src");
    Path outside = newDir("outside");
    Files.writeString(outside.resolve("secret"), "do not copy");
    Path data = Files.createDirectories(src.resolve("data/sub"));
    Files.writeString(src.resolve("data/a.txt"), "A");
    Files.writeString(data.resolve("b.txt"), "B");
    Files.createSymbolicLink(src.resolve("data/link-file"), outside.resolve("secret"));
    Files.createSymbolicLink(src.resolve("data/link-dir"), outside);
    Files.createSymbolicLink(src.resolve("data/sub/up"), Path.of(".."));
    Path dir = newDir("fill");
    long n = filler(List.of(src)).copy(src, "data", dir, 1024, later(), b -> {});
    assertThat(n).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("a.txt"))).isEqualTo("A");
    assertThat(Files.readString(dir.resolve("sub/b.txt"))).isEqualTo("B");
    assertThat(dir.resolve("link-file")).doesNotExist();
    assertThat(dir.resolve("link-dir")).doesNotExist();
    assertThat(dir.resolve("sub/up")).doesNotExist();
  }

  @Test
  void aLinkOnTheWayToTheSourceIsRefused() throws Exception {
    Path src = newDir("src");
    Path outside = newDir("outside");
    Files.writeString(outside.resolve("secret"), "x");
    Files.createSymbolicLink(src.resolve("escape"), outside);
    DataCacheFiller f = filler(List.of(src));
    assertThatThrownBy(() -> f.copy(src, "escape", newDir("a"), 1024, later(), b -> {}))
        .isInstanceOf(DataCacheFiller.FillFailure.class).hasMessageContaining("refused");
    assertThatThrownBy(() -> f.copy(src, "escape/secret", newDir("b"), 1024, later(), b -> {}))
        .isInstanceOf(DataCacheFiller.FillFailure.class).hasMessageContaining("refused");
    assertThatThrownBy(() -> f.copy(src, "../outside", newDir("c"), 1024, later(), b -> {}))
        .isInstanceOf(DataCacheFiller.FillFailure.class).hasMessageContaining("refused");
    assertThatThrownBy(() -> f.copy(src, "nothing", newDir("d"), 1024, later(), b -> {}))
        .isInstanceOf(DataCacheFiller.FillFailure.class).hasMessageContaining("does not exist");
  }

  @Test
  void copiesAreBounded() throws Exception {
    Path src = newDir("src");
    Files.write(src.resolve("big"), new byte[5000]);
    assertThatThrownBy(() -> filler(List.of(src)).copy(src, "", newDir("a"), 4096, later(), b -> {}))
        .isInstanceOf(DataCacheFiller.FillFailure.class).hasMessageContaining("larger");
  }
}
