package dev.openeci.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The console's static-file handler on a real Jetty, in front of a stand-in for the API. */
class ConsoleHandlerTest {
  static Server server;
  static String base;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(new ConsoleHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        response.setStatus(299);
        response.write(true, ByteBuffer.wrap(("api " + request.getHttpURI().getPath()).getBytes()), callback);
        return true;
      }
    }));
    server.start();
    base = "http://127.0.0.1:" + connector.getLocalPort();
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop();
  }

  static HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    if (headers.length > 0) b.headers(headers);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A request line sent as-is (no client normalizes the path); the status line and headers. */
  static String raw(String target) throws Exception {
    try (Socket s = new Socket("127.0.0.1", URI.create(base).getPort())) {
      OutputStream out = s.getOutputStream();
      out.write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void indexWithStrictSecurityHeaders() throws Exception {
    HttpResponse<String> r = get("/console/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(r.headers().firstValue("content-security-policy")).hasValue(ConsoleHandler.CSP);
    assertThat(ConsoleHandler.CSP).contains("default-src 'none'", "script-src 'self'", "style-src 'self'",
        "connect-src 'self'", "frame-ancestors 'none'").doesNotContain("unsafe");
    assertThat(r.headers().firstValue("x-content-type-options")).hasValue("nosniff");
    assertThat(r.headers().firstValue("x-frame-options")).hasValue("DENY");
    assertThat(r.headers().firstValue("referrer-policy")).hasValue("no-referrer");
    assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(r.body()).contains("<script type=\"module\" src=\"app.js\"></script>")
        .doesNotContain("<script>").doesNotContain(" style=")
        .doesNotContainPattern("\\son[a-z]+=");
  }

  @Test
  void contentTypesAndCaching() throws Exception {
    HttpResponse<String> js = get("/console/app.js");
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
    assertThat(get("/console/style.css").headers().firstValue("content-type")).hasValue("text/css; charset=utf-8");
    assertThat(get("/console/favicon.svg").headers().firstValue("content-type")).hasValue("image/svg+xml");

    HttpResponse<String> xterm = get("/console/webjars/xterm/4.9.0/lib/xterm.js");
    assertThat(xterm.statusCode()).isEqualTo(200);
    assertThat(xterm.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
    assertThat(xterm.headers().firstValue("cache-control")).hasValue("public, max-age=31536000, immutable");
    assertThat(xterm.headers().firstValue("content-security-policy")).hasValue(ConsoleHandler.CSP);
    assertThat(get("/console/webjars/xterm/4.9.0/css/xterm.css").headers().firstValue("content-type"))
        .hasValue("text/css; charset=utf-8");

    String etag = js.headers().firstValue("etag").orElseThrow();
    HttpResponse<String> again = get("/console/app.js", "If-None-Match", etag);
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
  }

  @Test
  void bareConsoleRedirectsAndOtherPathsAreTheApi() throws Exception {
    HttpResponse<String> r = get("/console");
    assertThat(r.statusCode()).isEqualTo(302);
    assertThat(r.headers().firstValue("location")).hasValue("/console/");
    assertThat(get("/").statusCode()).isEqualTo(299);
    assertThat(get("/consoles/app.js").body()).isEqualTo("api /consoles/app.js");
    assertThat(get("/?Action=DescribeRegions").body()).isEqualTo("api /");
  }

  @Test
  void onlyGetAndHead() throws Exception {
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/console/app.js"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
    HttpResponse<Void> head = http.send(HttpRequest.newBuilder(URI.create(base + "/console/app.js"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    assertThat(head.statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/console/../pom.xml", "/console/..%2fpom.xml", "/console/%2e%2e/app.js",
      "/console/webjars/../console/app.js", "/console/webjars/../../console/app.js", "/console/.hidden.js",
      "/console/a//app.js", "/console/x%5capp.js", "/console/x\\app.js", "/console/app.js%00.css",
      "/console/dev/openeci/server/console/ConsoleHandler.class", "/console/logback.xml",
      "/console/webjars/xterm/4.9.0/package.json", "/console/webjars/xterm/4.9.0/lib/xterm.js.map",
      "/console/webjars/../../META-INF/MANIFEST.MF", "/console/nothing-here.js", "/console/index"})
  void refusesEverythingButItsOwnFiles(String path) throws Exception {
    String response = raw(path);
    String status = response.substring(0, response.indexOf("\r\n"));
    assertThat(status).matches("HTTP/1.1 4\\d\\d .*");
    assertThat(response).doesNotContain("<project").doesNotContain("Manifest-Version").doesNotContain("<configuration")
        .doesNotContain("api ");
  }

  @Test
  void resolveRefusesUnsafeNamesWithoutTouchingTheClasspath() {
    ClassLoader refusing = new ClassLoader(null) {
      @Override
      public InputStream getResourceAsStream(String name) {
        throw new AssertionError("looked up " + name);
      }
    };
    ConsoleHandler h = new ConsoleHandler(null, refusing);
    for (String p : new String[] {"/console/../x.js", "/console/a/../x.js", "/console/.x.js", "/console/%2e.js",
        "/console/x.class", "/console/x", "/console/webjars/", "/console/webjars/a/../../b.js", "/console/a b.js"}) {
      assertThat(h.resolve(p)).as(p).isEmpty();
    }
  }
}
