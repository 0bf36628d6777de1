package dev.openeci.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.api.rpc.HttpReply;
import dev.openeci.api.rpc.Pct;
import dev.openeci.api.rpc.RequestParameters;
import dev.openeci.api.rpc.RpcRequest;
import dev.openeci.api.rpc.Signatures;
import dev.openeci.config.EdgeConfig;
import dev.openeci.server.ExecSessions;
import dev.openeci.server.HttpServer;
import dev.openeci.testing.ApiHarness;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.xml.parsers.DocumentBuilderFactory;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property-based fuzz of the protocol (issue 10, item 8): random and mutated parameter maps,
 * methods, headers, bodies and encodings, against the real dispatcher (real handlers over SQLite)
 * and a real Jetty server. Properties: no response is 5xx, every request is answered (or the
 * connection closed) within a timeout, every error is the ECI envelope (JSON with RequestId, Code,
 * Message; well-formed XML with Format=XML). Counts are printed at the end.
 */
class ProtocolFuzzTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static ApiHarness api;
  static HttpServer server;
  static int port;
  static final AtomicInteger dispatcherCases = new AtomicInteger();
  static final AtomicInteger signedCases = new AtomicInteger();
  static final AtomicInteger httpCases = new AtomicInteger();
  static final AtomicInteger accepted = new AtomicInteger();
  static final AtomicInteger closedWithoutAnswer = new AtomicInteger();
  static final AtomicInteger violations = new AtomicInteger();

  @BeforeContainer
  static void start() throws Exception {
    api = new ApiHarness(Files.createTempDirectory("fuzz"));
    server = new HttpServer("127.0.0.1", 0, api.dispatcher(), new ExecSessions(InstantSource.system()),
        EdgeConfig.DEFAULT.withReadTimeout(Duration.ofSeconds(2)));
    server.start();
    port = server.address().getPort();
  }

  @AfterContainer
  static void stop() throws Exception {
    server.close();
    api.close();
    System.out.printf("protocol fuzz: %d dispatcher cases, %d mutated signed cases, %d catalogue cases (%d signed"
        + " cases accepted), %d HTTP cases (%d closed without an answer); %d violations (5xx, hang or not the"
        + " envelope)%n", dispatcherCases.get(), signedCases.get(), catalogueCases.get(), accepted.get(),
        httpCases.get(), closedWithoutAnswer.get(), violations.get());
  }

  // --- generators -----------------------------------------------------------------------------------

  static final List<String> KEYS = List.of("Action", "Version", "RegionId", "Format", "AccessKeyId", "Signature",
      "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp", "ContainerGroupName", "ContainerGroupId",
      "ContainerGroupIds", "Limit", "NextToken", "Cpu", "Memory", "RestartPolicy", "Container.1.Name",
      "Container.1.Image", "Container.1.Cpu", "Container.1.Port.1.Port", "Container.1.EnvironmentVar.1.Key",
      "Container.1.EnvironmentVar.1.Value", "Container.1.Command.1", "Container.1.LivenessProbe.PeriodSeconds",
      "Container.1.VolumeMount.1.Name", "Container.1.VolumeMount.1.MountPath", "Container.1.VolumeMount.1.SubPath",
      "Volume.1.Name", "Volume.1.Type", "Volume.1.EmptyDirVolume.SizeLimit", "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path",
      "Volume.1.ConfigFileVolume.ConfigFileToPath.1.Content", "Tag.1.Key", "Tag.1.Value", "DnsConfig.NameServer.1",
      "HostAliase.1.Ip", "HostAliase.1.Hostname.1", "ImageRegistryCredential.1.Password", "UpdateType", "ClientToken",
      "DryRun", "ActiveDeadlineSeconds", "TerminationGracePeriodSeconds", "Tag", "Container", "Container.1");
  static final List<String> ACTIONS = List.of("CreateContainerGroup", "DescribeContainerGroups",
      "DescribeContainerGroupStatus", "DescribeContainerGroupEvents", "UpdateContainerGroup", "RestartContainerGroup",
      "DeleteContainerGroup", "DescribeRegions", "NoSuchAction", "");

  static Arbitrary<String> keys() {
    Arbitrary<String> known = Arbitraries.of(KEYS);
    Arbitrary<String> index = Arbitraries.of("0", "01", "+1", "-1", "1e3", "99999999999", "2147483648", "", " 1",
        "1 ", "١", "100000", "99999");
    Arbitrary<String> mutatedIndex = Combinators.combine(Arbitraries.of("Container", "Tag", "Volume", "InitContainer",
        "Container.1.EnvironmentVar"), index, Arbitraries.of("", ".Name", ".Key", ".Image", ".Value"))
        .as((a, i, b) -> a + "." + i + b);
    Arbitrary<String> deep = Arbitraries.integers().between(1, 40).map(n -> "A" + ".B".repeat(n));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, known),
        net.jqwik.api.Tuple.of(3, mutatedIndex),
        net.jqwik.api.Tuple.of(2, Arbitraries.strings().ofMaxLength(40)),
        net.jqwik.api.Tuple.of(1, deep),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().withChars("Aa.1_-").ofMaxLength(300)));
  }

  static Arbitrary<String> values() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, Arbitraries.strings().ofMaxLength(30)),
        net.jqwik.api.Tuple.of(2, Arbitraries.strings().numeric().ofMaxLength(25)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 200_000).map(n -> "9".repeat(n))),
        net.jqwik.api.Tuple.of(2, Arbitraries.of("", "true", "false", "-1", "0", "1.5", "NaN", "Infinity", "1e999999",
            "1e-999999", "[\"a\"]", "[", "{}", "null", "2Gi", "1e9999999Gi", "99999999999999999999Mi", "cn-hangzhou",
            "JSON", "XML", "xml", "2018-08-08", "HMAC-SHA1", "ACS3-HMAC-SHA256", "../../etc/passwd", "/",
            "Never", "Always", "OnFailure", "RenewUpdate", "IncrementalUpdate", "EmptyDirVolume", "ConfigFileVolume",
            "\u0000", "\uD800", "\r\n", "%", "<x>&amp;")),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().all().ofMaxLength(50)));
  }

  /** A query string: pairs encoded properly, raw (unencoded), or with broken escapes. */
  static Arbitrary<String> queries() {
    Arbitrary<String> pair = Combinators.combine(keys(), values(), Arbitraries.integers().between(0, 9))
        .as((k, v, mode) -> switch (mode) {
          case 0 -> k + "=" + v; // raw
          case 1 -> Pct.encode(k) + "=" + Pct.encode(v) + "%";
          case 2 -> Pct.encode(k) + "=" + Pct.encode(v).replace("%", "%Z");
          case 3 -> Pct.encode(k);
          case 4 -> "=" + Pct.encode(v);
          default -> Pct.encode(k) + "=" + Pct.encode(v);
        });
    return pair.list().ofMaxSize(30).map(l -> String.join("&", l));
  }

  static Arbitrary<Map<String, String>> headers() {
    Arbitrary<String> names = Arbitraries.of("authorization", "x-acs-action", "x-acs-version", "x-acs-date",
        "x-acs-signature-nonce", "x-acs-content-sha256", "content-type", "host", "x-acs-security-token");
    Arbitrary<String> auth = Arbitraries.of("ACS3-HMAC-SHA256 ", "ACS3-HMAC-SHA256 Credential=harness-ak",
        "ACS3-HMAC-SHA256 Credential=harness-ak,SignedHeaders=host,Signature=00",
        "ACS3-HMAC-SHA256 Credential=harness-ak,SignedHeaders=;;;,Signature=zz",
        "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host;x-acs-action;x-acs-version;x-acs-date;x-acs-signature-nonce;"
            + "x-acs-content-sha256,Signature=", "Bearer x", "ACS3-HMAC-SHA256 ,,,=,==");
    Arbitrary<String> value = Arbitraries.oneOf(values(), auth, Arbitraries.of("application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8", Signatures.EMPTY_SHA256, "DescribeContainerGroups",
        "CreateContainerGroup", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()));
    return Arbitraries.maps(names, value).ofMaxSize(8);
  }

  @Provide
  Arbitrary<RpcRequest> wildRequests() {
    Arbitrary<String> methods = Arbitraries.of("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "", "G\u0000T");
    Arbitrary<byte[]> bodies = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, Arbitraries.just(new byte[0])),
        net.jqwik.api.Tuple.of(2, queries().map(q -> q.getBytes(StandardCharsets.UTF_8))),
        net.jqwik.api.Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(200)));
    return Combinators.combine(methods, Arbitraries.of("/", "", "/x", "//", "/?"), queries(), headers(), bodies)
        .as((m, path, q, h, b) -> new RpcRequest(m, path, q, h, b));
  }

  // --- property 1: any request through the real dispatcher ------------------------------------------------

  @Property(tries = 3000)
  void anyRequestIsAnsweredInTheEnvelopeAndNever5xx(@ForAll("wildRequests") RpcRequest request) throws Exception {
    dispatcherCases.incrementAndGet();
    counted(() -> checkReply(api.dispatcher().handle(request), request.toString()));
  }

  // --- property 2: validly signed requests, then mutated ------------------------------------------------

  record Signed(String action, Map<String, String> params, int mutation, String key, String value, boolean v3) {}

  @Provide
  Arbitrary<Signed> signedRequests() {
    Arbitrary<Map<String, String>> params = Combinators.combine(keys(), values()).as(Map::entry).list().ofMaxSize(12)
        .map(l -> {
          Map<String, String> m = new LinkedHashMap<>();
          m.put("RegionId", "cn-hangzhou");
          for (var e : l) {
            if (!e.getKey().isEmpty() && !e.getKey().startsWith("Signature") && !e.getKey().equals("AccessKeyId")
                && !e.getKey().equals("Action") && !e.getKey().equals("Version") && !e.getKey().equals("Timestamp")) {
              m.put(e.getKey(), e.getValue());
            }
          }
          return m;
        });
    return Combinators.combine(Arbitraries.of(ACTIONS.subList(0, 8)), params, Arbitraries.integers().between(0, 8),
        keys(), values(), Arbitraries.of(true, false)).as(Signed::new);
  }

  @Property(tries = 3000)
  void validlySignedAndMutatedRequestsAreNever5xx(@ForAll("signedRequests") Signed s) throws Exception {
    signedCases.incrementAndGet();
    RpcRequest r;
    try {
      r = s.v3() ? v3(s) : new RpcRequest("POST", "/", ApiHarness.signedQuery(s.action(), s.params()),
          Map.of("host", "h"), new byte[0]);
    } catch (dev.openeci.error.ApiException unparseable) {
      return; // the generated parameters themselves break the grammar; property 1 covers those
    }
    String q = r.rawQuery();
    Map<String, String> h = new LinkedHashMap<>(r.headers());
    switch (s.mutation()) {
      case 1 -> q = q + "&" + Pct.encode(s.key()) + "=";
      case 2 -> q = q + "&" + Pct.encode(s.key()) + "=" + Pct.encode(s.value());
      case 3 -> q = Pct.encode(s.key()) + "=" + Pct.encode(s.value()) + "&" + q;
      case 4 -> q = q.replaceFirst("Signature=[^&]*", "Signature=");
      case 5 -> h.put("x-acs-action", s.value());
      case 6 -> q = q.replaceFirst("RegionId=cn-hangzhou", "RegionId=" + Pct.encode(s.value()));
      case 7 -> q = q.length() > 2 ? q.substring(0, q.length() / 2) : q;
      default -> { }
    }
    HttpReply reply = api.dispatcher().handle(new RpcRequest(r.method(), r.path(), q, h, r.body()));
    if (reply.status() == 200) accepted.incrementAndGet();
    String what = s + " -> " + q;
    counted(() -> checkReply(reply, what));
  }

  static RpcRequest v3(Signed s) {
    StringBuilder q = new StringBuilder();
    s.params().forEach((k, v) -> q.append(q.length() == 0 ? "" : "&").append(Pct.encode(k)).append('=')
        .append(Pct.encode(v)));
    Map<String, String> h = new LinkedHashMap<>();
    h.put("host", "h");
    h.put("x-acs-action", s.action());
    h.put("x-acs-content-sha256", Signatures.EMPTY_SHA256);
    h.put("x-acs-date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    h.put("x-acs-signature-nonce", java.util.UUID.randomUUID().toString());
    h.put("x-acs-version", "2018-08-08");
    List<String> signed = List.copyOf(h.keySet());
    RequestParameters p = RequestParameters.parse(new RpcRequest("POST", "/", q.toString(), Map.of(), new byte[0]));
    String sig = Signatures.v3Sign(ApiHarness.SECRET, Signatures.v3StringToSign(
        Signatures.v3CanonicalRequest("POST", "/", p.pairs(), h, signed, Signatures.EMPTY_SHA256)));
    h.put("authorization", "ACS3-HMAC-SHA256 Credential=" + ApiHarness.KEY + ",SignedHeaders="
        + String.join(";", signed) + ",Signature=" + sig);
    return new RpcRequest("POST", "/", q.toString(), h, new byte[0]);
  }

  interface Check {
    void run() throws Exception;
  }

  static void counted(Check check) throws Exception {
    try {
      check.run();
    } catch (Exception | AssertionError e) {
      violations.incrementAndGet();
      throw e;
    }
  }

  static void checkReply(HttpReply reply, String what) throws Exception {
    assertThat(reply.status()).as(what).isLessThan(500);
    if (reply.contentType().startsWith("text/xml")) {
      DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(reply.body()));
      return;
    }
    assertThat(reply.contentType()).as(what).startsWith("application/json");
    JsonNode body = JSON.readTree(reply.body());
    assertThat(body.hasNonNull("RequestId")).as(what).isTrue();
    if (reply.status() >= 400) {
      assertThat(body.hasNonNull("Code")).as(what).isTrue();
      assertThat(body.hasNonNull("Message")).as(what).isTrue();
    }
  }

  // --- property 3: a valid create or update plus catalogue parameters with hostile values ----------------

  static final AtomicInteger catalogueCases = new AtomicInteger();

  static List<String> catalogue(String resource) {
    try (var in = ProtocolFuzzTest.class.getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#")
          && !l.isBlank()).map(l -> l.split("\t")[0]).toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  record Extra(boolean update, List<Map.Entry<String, String>> params) {}

  @Provide
  Arbitrary<Extra> catalogueRequests() {
    List<String> create = catalogue("/CreateContainerGroup.params.tsv");
    List<String> update = catalogue("/UpdateContainerGroup.params.tsv");
    Arbitrary<Integer> index = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, Arbitraries.just(1)),
        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(2, 99_999)));
    Arbitrary<Boolean> kind = Arbitraries.of(true, false);
    return kind.flatMap(isUpdate -> Combinators.combine(Arbitraries.of(isUpdate ? update : create), index, values())
        .as((k, i, v) -> Map.entry(k.replace(".N", "." + i), v)).list().ofMinSize(1).ofMaxSize(4)
        .map(l -> new Extra(isUpdate, l)));
  }

  static String updateTarget;

  @Property(tries = 2000)
  void catalogueParametersWithHostileValuesAreNever5xx(@ForAll("catalogueRequests") Extra extra) throws Exception {
    catalogueCases.incrementAndGet();
    Map<String, String> p = new LinkedHashMap<>();
    p.put("RegionId", "cn-hangzhou");
    if (extra.update()) {
      synchronized (ProtocolFuzzTest.class) {
        if (updateTarget == null) {
          ApiHarness.Reply r = api.call("CreateContainerGroup", Map.of("RegionId", "cn-hangzhou",
              "ContainerGroupName", "fuzz-target", "Container.1.Name", "app", "Container.1.Image", "busybox"));
          updateTarget = r.body().get("ContainerGroupId").asText();
        }
      }
      p.put("ContainerGroupId", updateTarget);
    } else {
      p.put("ContainerGroupName", "fuzz");
      p.put("Container.1.Name", "app");
      p.put("Container.1.Image", "busybox");
    }
    for (var e : extra.params()) p.put(e.getKey(), e.getValue());
    p.remove("RegionId", "");
    String q;
    try {
      q = ApiHarness.signedQuery(extra.update() ? "UpdateContainerGroup" : "CreateContainerGroup", p);
    } catch (RuntimeException e) {
      return;
    }
    HttpReply reply = api.dispatcher().handle(new RpcRequest("POST", "/", q, Map.of("host", "h"), new byte[0]));
    if (reply.status() == 200) accepted.incrementAndGet();
    counted(() -> checkReply(reply, extra.toString()));
  }

  // --- property 4: raw HTTP against the real Jetty server -----------------------------------------------------

  record Raw(String method, String target, String version, List<String> headerLines, byte[] body, int framing) {}

  @Provide
  Arbitrary<Raw> rawRequests() {
    Arbitrary<String> method = Arbitraries.of("GET", "POST", "PUT", "PATCH", "OPTIONS", "TRACE", "FOO", "get");
    Arbitrary<String> target = Arbitraries.oneOf(queries().map(q -> "/?" + q.replace(" ", "%20")),
        Arbitraries.of("/", "*", "http://x/?Action=DescribeRegions", "/%", "/..%2F", "/?%00"));
    Arbitrary<String> version = Arbitraries.of("HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9");
    Arbitrary<String> line = Arbitraries.oneOf(
        headers().map(m -> m.isEmpty() ? "X-A: b" : m.keySet().iterator().next() + ": "
            + m.values().iterator().next().replaceAll("[\r\n\u0000]", "")),
        Arbitraries.of("Content-Type: application/x-www-form-urlencoded", "Expect: 100-continue",
            "Content-Length: 5", "Content-Length: -1", "Content-Length: 99999999999", "Transfer-Encoding: gzip",
            "Transfer-Encoding: chunked", "Connection: close", "Host: a", "Host: a", "Bad Header", ": x",
            "X-Long: " + "a".repeat(9000)));
    Arbitrary<byte[]> body = Arbitraries.oneOf(queries().map(q -> q.getBytes(StandardCharsets.UTF_8)),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(300));
    return Combinators.combine(method, target, version, line.list().ofMaxSize(6), body,
        Arbitraries.integers().between(0, 5)).as(Raw::new);
  }

  @Property(tries = 400)
  void rawHttpIsAnsweredWithoutHangsOr5xx(@ForAll("rawRequests") Raw raw) throws Exception {
    httpCases.incrementAndGet();
    counted(() -> rawCase(raw));
  }

  void rawCase(Raw raw) throws Exception {
    ByteArrayOutputStream req = new ByteArrayOutputStream();
    req.write((raw.method() + " " + raw.target() + " " + raw.version() + "\r\n").getBytes(StandardCharsets.UTF_8));
    for (String l : raw.headerLines()) req.write((l + "\r\n").getBytes(StandardCharsets.UTF_8));
    byte[] body = raw.body();
    switch (raw.framing()) {
      case 0 -> req.write(("Content-Length: " + body.length + "\r\n\r\n").getBytes());
      case 1 -> {
        req.write("Transfer-Encoding: chunked\r\n\r\n".getBytes());
        req.write((Integer.toHexString(body.length) + "\r\n").getBytes());
        req.write(body);
        req.write("\r\n0\r\n\r\n".getBytes());
        body = new byte[0];
      }
      case 2 -> req.write(("Transfer-Encoding: chunked\r\n\r\nzz\r\n").getBytes()); // broken chunk size
      case 3 -> req.write(("Content-Length: " + (body.length + 10) + "\r\n\r\n").getBytes()); // short body
      default -> req.write("\r\n".getBytes());
    }
    req.write(body);
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(15_000);
      try {
        s.getOutputStream().write(req.toByteArray());
        s.getOutputStream().flush();
      } catch (java.net.SocketException closedEarly) {
        // the server refused before reading everything (e.g. an unknown HTTP version); read its answer
      }
      String status;
      String head;
      byte[] payload;
      try {
        InputStream in = s.getInputStream();
        head = readHead(in);
        if (head == null) {
          closedWithoutAnswer.incrementAndGet();
          return;
        }
        status = head.substring(9, 12);
        int length = contentLength(head);
        payload = length >= 0 ? in.readNBytes(length) : new byte[0];
      } catch (SocketTimeoutException hang) {
        throw new AssertionError("no answer within 15 s (read timeout is 2 s): " + raw, hang);
      } catch (java.net.SocketException reset) {
        closedWithoutAnswer.incrementAndGet();
        return;
      }
      int code = Integer.parseInt(status);
      assertThat(code).as(head + "\n" + raw).isLessThan(500);
      if (code >= 400 && payload.length > 0) {
        assertThat(head.toLowerCase()).as(raw.toString()).contains("application/json");
        JsonNode json = JSON.readTree(payload);
        assertThat(json.hasNonNull("Code")).as(raw.toString()).isTrue();
        assertThat(json.hasNonNull("RequestId")).as(raw.toString()).isTrue();
      }
    }
  }

  /** The status line and headers, or null when the server closed without answering. */
  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) return head.size() == 0 ? null : head.toString(StandardCharsets.ISO_8859_1);
      head.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1
          : (c == '\r' ? 1 : 0);
    }
    String h = head.toString(StandardCharsets.ISO_8859_1);
    // 100 Continue: the real answer follows.
    if (h.startsWith("HTTP/1.1 100")) return readHead(in);
    return h;
  }

  static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) return Integer.parseInt(line.substring(15).trim());
    }
    return -1;
  }

  static List<String> unused() {
    return new ArrayList<>();
  }

  static Path unusedPath() {
    return Path.of("/");
  }
}
