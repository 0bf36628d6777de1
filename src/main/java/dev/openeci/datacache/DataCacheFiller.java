package dev.openeci.datacache;

import dev.openeci.hostfs.SafePaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

/**
 * Fills a data cache directory from its source, bounded (docs/data-caches.md, docs/security.md):
 * a URL is fetched with at most {@value #MAX_REDIRECTS} redirects, each to http or https and each
 * checked against the private-address rule; a host path (or another cache) is copied without
 * following any link ({@link SafePaths#openBeneath} for every file and directory; links, devices,
 * sockets and FIFOs are skipped, never followed), at most {@value #MAX_DEPTH} levels and
 * {@value #MAX_ENTRIES} entries. Every byte counts against the cache's limit and the deadline.
 */
public final class DataCacheFiller {
  static final int MAX_REDIRECTS = 5;
  static final int MAX_DEPTH = 32;
  static final int MAX_ENTRIES = 100_000;
  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");

  /** A fill that cannot go on; the message is fit for a Failed event. */
  public static final class FillFailure extends Exception {
    public FillFailure(String message) {
      super(message);
    }
  }

  private final DataCachePolicy policy;
  private final HttpClient http;

  public DataCacheFiller(DataCachePolicy policy) {
    this.policy = policy;
    this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  /**
   * Why a URL may not be a data source (null when it may): http or https, a host, no credentials
   * in it, and an address outside loopback/private/link-local networks unless its host is allowed
   * ({@code --data-cache-url-host}). Resolves the host name.
   */
  public String urlProblem(String url) {
    URI u;
    try {
      u = new URI(url);
    } catch (java.net.URISyntaxException e) {
      return "is not a URL";
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) return "must be an http or https URL";
    if (u.getHost() == null || u.getHost().isEmpty()) return "has no host";
    if (u.getRawUserInfo() != null) return "must not carry credentials (they would be stored and shown)";
    String host = u.getHost().toLowerCase(Locale.ROOT);
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (policy.urlHosts().contains(host) || policy.urlHosts().contains(bare)) return null;
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(bare);
    } catch (UnknownHostException e) {
      return "names a host that does not resolve";
    }
    for (InetAddress a : addresses) {
      if (internal(a)) {
        return "names a loopback, private or link-local address, which this server does not fetch for tenants"
            + " (an operator can allow the host with --data-cache-url-host)";
      }
    }
    return null;
  }

  static boolean internal(InetAddress a) {
    if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet6Address) return (b[0] & 0xfe) == 0xfc; // unique local fc00::/7
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    return first == 0 || (first == 100 && second >= 64 && second < 128) || (first == 198 && (second == 18 || second == 19))
        || first >= 240;
  }

  /** The file name a URL's data is stored under: its last path segment when plain, else "data". */
  static String fileName(URI u) {
    String p = u.getPath() == null ? "" : u.getPath();
    String last = p.substring(p.lastIndexOf('/') + 1);
    if (FILE_NAME.matcher(last).matches() && !last.equals(".") && !last.equals("..") && !last.startsWith(".")) {
      return last;
    }
    return "data";
  }

  /** Downloads {@code url} into {@code dir} (a new, server-owned directory); returns the bytes stored. */
  public long fetch(String url, Path dir, long limit, Instant deadline, LongConsumer progress)
      throws FillFailure, InterruptedException {
    URI u = URI.create(url);
    String name = fileName(u);
    for (int hop = 0; ; hop++) {
      String why = urlProblem(u.toString());
      if (why != null) throw new FillFailure("URL " + shown(u) + " " + why);
      Duration left = Duration.between(Instant.now(), deadline);
      if (left.isNegative() || left.isZero()) throw new FillFailure("the download did not finish in time");
      HttpRequest req = HttpRequest.newBuilder(u).timeout(left).GET().build();
      HttpResponse<InputStream> resp;
      try {
        resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      } catch (java.net.http.HttpTimeoutException e) {
        throw new FillFailure("the download did not finish in time");
      } catch (IOException e) {
        throw new FillFailure("cannot fetch " + shown(u) + ": " + e.getMessage());
      }
      int status = resp.statusCode();
      if (status >= 300 && status < 400 && resp.headers().firstValue("Location").isPresent()) {
        close(resp.body());
        if (hop >= MAX_REDIRECTS) throw new FillFailure("more than " + MAX_REDIRECTS + " redirects");
        try {
          u = u.resolve(resp.headers().firstValue("Location").get());
        } catch (IllegalArgumentException e) {
          throw new FillFailure("a redirect names no valid URL");
        }
        continue;
      }
      if (status < 200 || status >= 300) {
        close(resp.body());
        throw new FillFailure("fetching " + shown(u) + " answered HTTP " + status);
      }
      long declared = resp.headers().firstValueAsLong("Content-Length").orElse(-1);
      if (declared > limit) {
        close(resp.body());
        throw new FillFailure("the data (" + declared + " bytes) is larger than the cache may hold (" + limit
            + " bytes)");
      }
      try (InputStream in = resp.body()) {
        long n;
        try (OutputStream out = Files.newOutputStream(dir.resolve(name), StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
          n = copy(in, out, 0, limit, deadline, progress);
        }
        // readable by any user of the containers that mount it (the mount is read-only)
        Files.setPosixFilePermissions(dir.resolve(name),
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        return n;
      } catch (IOException e) {
        if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
        throw new FillFailure("the download of " + shown(u) + " failed: " + e.getMessage());
      }
    }
  }

  /** A URL as shown in events: without its query (which may carry a signature). */
  static String shown(URI u) {
    return u.getScheme() + "://" + u.getRawAuthority() + (u.getRawPath() == null ? "" : u.getRawPath());
  }

  private static void close(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }

  private static long copy(InputStream in, OutputStream out, long sofar, long limit, Instant deadline,
      LongConsumer progress) throws IOException, FillFailure, InterruptedException {
    byte[] buf = new byte[64 * 1024];
    long total = sofar;
    long reported = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      if (Thread.interrupted()) throw new InterruptedException();
      total += n;
      if (total > limit) throw new FillFailure("the data is larger than the cache may hold (" + limit + " bytes)");
      if (Instant.now().isAfter(deadline)) throw new FillFailure("the fill did not finish in time");
      out.write(buf, 0, n);
      if (total - reported >= 1 << 20) {
        progress.accept(total);
        reported = total;
      }
    }
    return total;
  }

  /**
   * Copies {@code rel} below {@code root} (a directory or a regular file) into {@code dir},
   * following no link on the way or inside; returns the bytes stored.
   */
  public long copy(Path root, String rel, Path dir, long limit, Instant deadline, LongConsumer progress)
      throws FillFailure, InterruptedException {
    long[] state = {0, 0}; // bytes, entries
    try (SafePaths.Handle h = SafePaths.openBeneath(root, rel, false, 0)) {
      if (!h.directory()) {
        String last = rel.substring(rel.lastIndexOf('/') + 1);
        copyFile(h, dir.resolve(last.isEmpty() ? "data" : last), state, limit, deadline, progress);
      } else {
        copyDir(root, rel, dir, 0, state, limit, deadline, progress);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw new FillFailure("the source path does not exist");
    } catch (SafePaths.Refused e) {
      throw new FillFailure("the source path is refused: " + e.getMessage());
    } catch (IOException e) {
      throw new FillFailure("cannot copy the source: " + e.getMessage());
    }
    return state[0];
  }

  private void copyDir(Path root, String rel, Path dest, int depth, long[] state, long limit, Instant deadline,
      LongConsumer progress) throws IOException, FillFailure, InterruptedException {
    if (depth > MAX_DEPTH) throw new FillFailure("the source is deeper than " + MAX_DEPTH + " levels");
    java.util.List<String> names = new java.util.ArrayList<>();
    try (SafePaths.Handle h = SafePaths.openBeneath(root, rel, false, 0)) {
      if (!h.directory()) throw new FillFailure("\"" + rel + "\" changed while it was copied");
      Path proc = Path.of(h.procPath());
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc)) {
        for (Path p : ds) {
          if (++state[1] > MAX_ENTRIES) throw new FillFailure("the source has more than " + MAX_ENTRIES + " entries");
          names.add(p.getFileName().toString());
        }
      }
    }
    java.util.Collections.sort(names);
    for (String name : names) {
      if (Thread.interrupted()) throw new InterruptedException();
      String childRel = rel.isEmpty() ? name : rel + "/" + name;
      BasicFileAttributes a;
      try (SafePaths.Handle parent = SafePaths.openBeneath(root, rel, false, 0)) {
        a = Files.readAttributes(Path.of(parent.procPath()).resolve(name), BasicFileAttributes.class,
            LinkOption.NOFOLLOW_LINKS);
      } catch (java.nio.file.NoSuchFileException e) {
        continue; // removed meanwhile
      }
      if (a.isDirectory()) {
        Path d = dest.resolve(name);
        Files.createDirectory(d);
        Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        copyDir(root, childRel, d, depth + 1, state, limit, deadline, progress);
      } else if (a.isRegularFile()) {
        try (SafePaths.Handle f = SafePaths.openBeneath(root, childRel, false, 0)) {
          if (f.directory()) throw new FillFailure("\"" + childRel + "\" changed while it was copied");
          copyFile(f, dest.resolve(name), state, limit, deadline, progress);
        } catch (SafePaths.Refused e) {
          // swapped for a link or a device meanwhile: skipped, never followed
        }
      }
      // links, devices, sockets and FIFOs are skipped: never followed, never recreated
    }
  }

  private static void copyFile(SafePaths.Handle f, Path target, long[] state, long limit, Instant deadline,
      LongConsumer progress) throws IOException, FillFailure, InterruptedException {
    if (++state[1] > MAX_ENTRIES) throw new FillFailure("the source has more than " + MAX_ENTRIES + " entries");
    try (InputStream in = Files.newInputStream(Path.of(f.procPath()));
        OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS)) {
      state[0] = copy(in, out, state[0], limit, deadline, progress);
    }
    Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
  }
}
