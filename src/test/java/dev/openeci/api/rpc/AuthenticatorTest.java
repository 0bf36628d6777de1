package dev.openeci.api.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.error.ApiException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Each authentication rule with its documented code, on requests signed here like the SDKs sign. */
class AuthenticatorTest {
  static final Instant NOW = Instant.parse("2026-11-22T11:00:00Z");
  static final CredentialStore KEYS = id -> id.equals("ak")
      ? Optional.of(new CredentialStore.Credential("ak", "secret", "acct-1")) : Optional.empty();

  static Authenticator auth() {
    return new Authenticator(KEYS, InstantSource.fixed(NOW), new NonceCache(Duration.ofMinutes(30), 1000));
  }

  /** A V1-signed GET with the given parameter tweaks applied before signing. */
  static RpcRequest v1(UnaryOperator<Map<String, String>> tweak, String signWith) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("Action", "DescribeContainerGroups");
    p.put("Version", "2018-08-08");
    p.put("Format", "JSON");
    p.put("AccessKeyId", "ak");
    p.put("SignatureMethod", "HMAC-SHA1");
    p.put("SignatureVersion", "1.0");
    p.put("SignatureNonce", "nonce-1");
    p.put("Timestamp", "2026-11-22T11:00:00Z");
    p.put("RegionId", "cn-hangzhou");
    p.put("NextToken", "");
    p = tweak.apply(p);
    List<RequestParameters.Pair> pairs = new ArrayList<>();
    p.forEach((k, v) -> pairs.add(new RequestParameters.Pair(k, v)));
    String sig = Signatures.v1Sign(signWith, Signatures.v1StringToSign("GET", pairs, false));
    StringBuilder q = new StringBuilder();
    p.forEach((k, v) -> q.append(q.length() == 0 ? "" : "&").append(Pct.encode(k)).append('=').append(Pct.encode(v)));
    q.append("&Signature=").append(Pct.encode(sig));
    return new RpcRequest("GET", "/", q.toString(), Map.of("host", "localhost"), new byte[0]);
  }

  /** A V3-signed POST. */
  static RpcRequest v3(String date, String nonce, String signWith, byte[] body) {
    String query = "RegionId=cn-hangzhou&Limit=20";
    Map<String, String> h = new LinkedHashMap<>();
    h.put("host", "127.0.0.1:8080");
    h.put("x-acs-action", "DescribeContainerGroups");
    h.put("x-acs-content-sha256", Signatures.sha256Hex(body));
    h.put("x-acs-date", date);
    h.put("x-acs-signature-nonce", nonce);
    h.put("x-acs-version", "2018-08-08");
    List<String> signed = List.copyOf(h.keySet());
    RequestParameters p = RequestParameters.parse(new RpcRequest("POST", "/", query, Map.of(), new byte[0]));
    String sig = Signatures.v3Sign(signWith, Signatures.v3StringToSign(
        Signatures.v3CanonicalRequest("POST", "/", p.pairs(), h, signed, Signatures.sha256Hex(body))));
    h.put("authorization", "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=" + String.join(";", signed)
        + ",Signature=" + sig);
    return new RpcRequest("POST", "/", query, h, new byte[0]);
  }

  static String code(RpcRequest r) {
    try {
      auth().authenticate(r, RequestParameters.parse(r));
      return "OK";
    } catch (ApiException e) {
      assertThat(e.getMessage()).doesNotContain("secret");
      return e.code() + "/" + e.httpStatus();
    }
  }

  record Case(String name, RpcRequest request, String expected) {}

  @Test
  void rules() {
    List<Case> cases = List.of(
        new Case("valid V1", v1(p -> p, "secret"), "OK"),
        new Case("valid V3", v3("2026-11-22T11:00:00Z", "n3", "secret", new byte[0]), "OK"),
        new Case("V1 wrong secret", v1(p -> p, "wrong"), "SignatureDoesNotMatch/400"),
        new Case("V3 wrong secret", v3("2026-11-22T11:00:00Z", "n3", "wrong", new byte[0]), "SignatureDoesNotMatch/400"),
        new Case("V1 unknown key", v1(p -> { p.put("AccessKeyId", "nobody"); return p; }, "secret"),
            "InvalidAccessKeyId.NotFound/404"),
        new Case("V1 expired (16 min old)", v1(p -> { p.put("Timestamp", "2026-11-22T10:44:00Z"); return p; }, "secret"),
            "InvalidTimeStamp.Expired/400"),
        new Case("V1 from the future (16 min)", v1(p -> { p.put("Timestamp", "2026-11-22T11:16:00Z"); return p; },
            "secret"), "InvalidTimeStamp.Expired/400"),
        new Case("V1 14 min old is fine", v1(p -> { p.put("Timestamp", "2026-11-22T10:46:00Z"); return p; }, "secret"),
            "OK"),
        new Case("V3 expired", v3("2026-11-22T10:40:00Z", "n4", "secret", new byte[0]), "InvalidTimeStamp.Expired/400"),
        new Case("V1 malformed timestamp", v1(p -> { p.put("Timestamp", "yesterday"); return p; }, "secret"),
            "InvalidTimeStamp.Format/400"),
        new Case("V1 missing timestamp", v1(p -> { p.remove("Timestamp"); return p; }, "secret"),
            "InvalidTimeStamp.Format/400"),
        new Case("V1 missing nonce", v1(p -> { p.remove("SignatureNonce"); return p; }, "secret"), "MissingParameter/400"),
        new Case("V1 SHA256 method", v1(p -> { p.put("SignatureMethod", "HMAC-SHA256"); return p; }, "secret"),
            "InvalidSignatureMethod/400"),
        new Case("unsigned", new RpcRequest("GET", "/", "Action=X&Version=2018-08-08", Map.of(), new byte[0]),
            "IncompleteSignature/400"),
        new Case("V3 body does not match its hash", withBody(v3("2026-11-22T11:00:00Z", "n5", "secret", new byte[0])),
            "SignatureDoesNotMatch/400"));
    for (Case c : cases) assertThat(code(c.request())).as(c.name()).isEqualTo(c.expected());
  }

  static RpcRequest withBody(RpcRequest r) {
    return new RpcRequest(r.method(), r.path(), r.rawQuery(), r.headers(), "x=1".getBytes());
  }

  @Test
  void javaTeaV1SignaturesWithoutEmptyParametersAreAccepted() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("Action", "DescribeContainerGroups");
    p.put("Version", "2018-08-08");
    p.put("AccessKeyId", "ak");
    p.put("SignatureMethod", "HMAC-SHA1");
    p.put("SignatureVersion", "1.0");
    p.put("SignatureNonce", "tea-1");
    p.put("Timestamp", "2026-11-22T11:00:00Z");
    p.put("NextToken", "");
    List<RequestParameters.Pair> pairs = new ArrayList<>();
    p.forEach((k, v) -> pairs.add(new RequestParameters.Pair(k, v)));
    String sig = Signatures.v1Sign("secret", Signatures.v1StringToSign("POST", pairs, true));
    StringBuilder q = new StringBuilder();
    p.forEach((k, v) -> q.append(q.length() == 0 ? "" : "&").append(k).append('=').append(Pct.encode(v)));
    q.append("&Signature=").append(Pct.encode(sig));
    assertThat(code(new RpcRequest("POST", "/", q.toString(), Map.of(), new byte[0]))).isEqualTo("OK");
  }

  @Test
  void v1MismatchTellsTheStringToSignButNeverTheSecret() {
    RpcRequest r = v1(p -> p, "wrong");
    assertThatThrownBy(() -> auth().authenticate(r, RequestParameters.parse(r)))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.getMessage()).startsWith(
              "Specified signature is not matched with our calculation. server string to sign is:GET&%2F&");
          assertThat(e.getMessage()).doesNotContain("secret").doesNotContain("wrong");
        });
  }

  @Test
  void aForgedRequestDoesNotBurnTheNonceButAReplayIsRejected() {
    Authenticator a = auth();
    RpcRequest forged = v1(p -> p, "wrong");
    RpcRequest real = v1(p -> p, "secret");
    assertThatThrownBy(() -> a.authenticate(forged, RequestParameters.parse(forged))).isInstanceOf(ApiException.class);
    assertThat(a.authenticate(real, RequestParameters.parse(real)).accountId()).isEqualTo("acct-1");
    assertThatThrownBy(() -> a.authenticate(real, RequestParameters.parse(real)))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("SignatureNonceUsed"));
  }

  @Test
  void concurrentCopiesOfOneRequest_exactlyOneWins() throws Exception {
    Authenticator a = auth();
    RpcRequest r = v3("2026-11-22T11:00:00Z", "race", "secret", new byte[0]);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Callable<Boolean>> tasks = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      tasks.add(() -> {
        try {
          a.authenticate(r, RequestParameters.parse(r));
          return true;
        } catch (ApiException e) {
          assertThat(e.code()).isEqualTo("SignatureNonceUsed");
          return false;
        }
      });
    }
    int wins = 0;
    for (Future<Boolean> f : pool.invokeAll(tasks)) if (f.get()) wins++;
    pool.shutdown();
    assertThat(wins).isEqualTo(1);
  }

  @Test
  void nonceCacheIsBounded() {
    NonceCache c = new NonceCache(Duration.ofMinutes(30), 3);
    assertThat(c.record("ak", "1", NOW)).isEqualTo(NonceCache.Result.FRESH);
    assertThat(c.record("ak", "2", NOW)).isEqualTo(NonceCache.Result.FRESH);
    assertThat(c.record("ak", "3", NOW)).isEqualTo(NonceCache.Result.FRESH);
    assertThat(c.record("ak", "4", NOW)).isEqualTo(NonceCache.Result.FULL);
    // Once the window has passed, old entries make room.
    assertThat(c.record("ak", "4", NOW.plus(Duration.ofMinutes(31)))).isEqualTo(NonceCache.Result.FRESH);
    assertThat(c.size()).isEqualTo(1);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"2026-11-22T11:00:00Z", "2024-02-29T23:59:59Z",
      "1999-01-01T00:00:00Z", "2026-11-22T11:00:00.123Z", "2026-11-22T19:00:00+08:00", "2026-11-22T11:00Z"})
  void timestampsParseAsOffsetDateTimeDoes(String v) {
    assertThat(Authenticator.parseTimestamp(v)).isEqualTo(java.time.OffsetDateTime.parse(v).toInstant());
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"2026-13-22T11:00:00Z", "2026-02-30T11:00:00Z",
      "2026-11-22T24:00:00Z", "2026-11-22T11:60:00Z", "2026-1a-22T11:00:00Z", "2026-11-22 11:00:00Z", "yesterday", ""})
  void malformedTimestampsAreRejectedAsBefore(String v) {
    assertThatThrownBy(() -> Authenticator.parseTimestamp(v)).isInstanceOf(java.time.format.DateTimeParseException.class);
  }
}
