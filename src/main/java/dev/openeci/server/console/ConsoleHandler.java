package dev.openeci.server.console;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The web console (docs/console.md): static files under {@code /console/}, served from the
 * classpath, in front of the API handler it wraps. Everything else goes to that handler untouched.
 *
 * <ul>
 *   <li>{@code /console} redirects to {@code /console/}, which is {@code console/index.html};</li>
 *   <li>{@code /console/webjars/<name>/<version>/<file>} is {@code META-INF/resources/webjars/...}
 *       of a WebJar on the classpath (xterm.js), cached for a year (the version is in the path);</li>
 *   <li>{@code /console/<file>} is {@code console/<file>}, revalidated on every load (ETag).</li>
 * </ul>
 *
 * Only GET and HEAD; only paths of plain segments ({@code [A-Za-z0-9._-]}, no segment starting
 * with a dot, so no {@code ..}, no encoded characters, no backslash) with an extension of the
 * table below; anything else is a 404 without touching the classpath. Every response carries a
 * strict Content-Security-Policy: scripts, styles and connections (fetch, WebSocket) from this
 * origin only, no inline script or style, no eval, no frames, no form posts.
 */
public final class ConsoleHandler extends Handler.Wrapper {
  public static final String PREFIX = "/console";
  static final String WEBJARS = PREFIX + "/webjars/";
  public static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
      + " font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  private static final Pattern SAFE = Pattern.compile("(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}/){0,8}"
      + "[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}");
  static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "mjs", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml",
      "png", "image/png",
      "ico", "image/x-icon",
      "woff2", "font/woff2");

  /** A file found on the classpath; a miss is cached too (the set of paths asked for is bounded by SAFE). */
  record Resource(byte[] body, String type, String etag, boolean immutable) {}

  private final ClassLoader loader;
  private final Map<String, Optional<Resource>> cache = new ConcurrentHashMap<>();

  public ConsoleHandler(Handler api) {
    this(api, ConsoleHandler.class.getClassLoader());
  }

  ConsoleHandler(Handler api, ClassLoader loader) {
    super(api);
    this.loader = loader;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String path = request.getHttpURI().getPath();
    if (path == null || !(path.equals(PREFIX) || path.startsWith(PREFIX + "/"))) {
      return super.handle(request, response, callback);
    }
    security(response);
    String method = request.getMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
      plain(response, callback, 405, "Method not allowed: the console serves GET and HEAD only.\n");
      return true;
    }
    if (path.equals(PREFIX)) {
      response.setStatus(302);
      response.getHeaders().put(HttpHeader.LOCATION, PREFIX + "/");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
      response.write(true, null, callback);
      return true;
    }
    Resource r = resolve(path).orElse(null);
    if (r == null) {
      plain(response, callback, 404, "Not found.\n");
      return true;
    }
    String etag = r.etag();
    response.getHeaders().put(HttpHeader.ETAG, etag);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, r.immutable() ? "public, max-age=31536000, immutable"
        : "no-cache");
    String ifNoneMatch = request.getHeaders().get(HttpHeader.IF_NONE_MATCH);
    if (ifNoneMatch != null && (ifNoneMatch.equals(etag) || ifNoneMatch.equals("W/" + etag))) {
      response.setStatus(304);
      response.write(true, null, callback);
      return true;
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, r.type());
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, r.body().length);
    response.write(true, method.equals("HEAD") ? null : ByteBuffer.wrap(r.body()), callback);
    return true;
  }

  /** The resource a request path names, or empty (not found, or a path this handler refuses). */
  Optional<Resource> resolve(String path) {
    String name;
    boolean immutable;
    if (path.startsWith(WEBJARS)) {
      name = path.substring(WEBJARS.length());
      immutable = true;
    } else if (path.equals(PREFIX + "/")) {
      name = "index.html";
      immutable = false;
    } else {
      name = path.substring(PREFIX.length() + 1);
      immutable = false;
    }
    if (!SAFE.matcher(name).matches()) return Optional.empty();
    int dot = name.lastIndexOf('.');
    String type = dot < 0 ? null : TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    if (type == null) return Optional.empty();
    String classpath = (immutable ? "META-INF/resources/webjars/" : "console/") + name;
    return cache.computeIfAbsent(classpath, cp -> load(cp, type, immutable));
  }

  private Optional<Resource> load(String classpath, String type, boolean immutable) {
    try (InputStream in = loader.getResourceAsStream(classpath)) {
      if (in == null) return Optional.empty();
      byte[] body = in.readAllBytes();
      return Optional.of(new Resource(body, type, "\"" + sha256(body).substring(0, 32) + "\"", immutable));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static void security(Response response) {
    var h = response.getHeaders();
    h.put("Content-Security-Policy", CSP);
    h.put("X-Content-Type-Options", "nosniff");
    h.put("X-Frame-Options", "DENY");
    h.put("Referrer-Policy", "no-referrer");
    h.put("Cross-Origin-Opener-Policy", "same-origin");
    h.put("Cross-Origin-Resource-Policy", "same-origin");
  }

  private static void plain(Response response, Callback callback, int status, String text) {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
