package dev.openeci.api.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.error.ApiException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The 32 requests captured from the official SDKs (Java Tea V3/V1, legacy core V1/V3, Node V3/V1)
 * are signature test vectors: each must authenticate with secret {@code testsecret} at its own
 * capture time, and fail with any other secret.
 */
class WireSamplesTest {
  /** {@code signedRight}: the SDK signed it with testsecret (false: the bad-signature scenario, testsecret-wrong). */
  record Sample(String name, RpcRequest request, Instant time, boolean signedRight) {}

  static List<Sample> samples() throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<Sample> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        WireSamplesTest.class.getResourceAsStream("/wire-samples.jsonl"), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) continue;
        JsonNode s = json.readTree(line);
        Map<String, String> headers = new HashMap<>();
        for (JsonNode h : s.get("headers")) headers.putIfAbsent(h.get(0).asText().toLowerCase(Locale.ROOT), h.get(1).asText());
        byte[] body = s.hasNonNull("body_b64") && !s.get("body_b64").asText().isEmpty()
            ? Base64.getDecoder().decode(s.get("body_b64").asText()) : new byte[0];
        RpcRequest req = new RpcRequest(s.get("method").asText(), s.get("path").asText(), s.get("raw_query").asText(),
            headers, body);
        String name = s.get("driver").asText() + " #" + s.get("seq").asText() + " " + s.get("action").asText();
        out.add(new Sample(name, req, Instant.parse(s.get("time").asText()), s.get("signature").get("ok").asBoolean()));
      }
    }
    return out;
  }

  static Authenticator authenticator(String secret, Instant now) {
    return authenticator(secret, now, false);
  }

  /** {@code v3UnsignedHost}: what {@code serve --v3-unsigned-host} allows (the legacy core's V3 signer). */
  static Authenticator authenticator(String secret, Instant now, boolean v3UnsignedHost) {
    CredentialStore store = id -> id.equals("testak")
        ? Optional.of(new CredentialStore.Credential("testak", secret, "acct")) : Optional.empty();
    return new Authenticator(store, InstantSource.fixed(now), new NonceCache(Duration.ofMinutes(30), 1000),
        RateLimiter.unlimited(), v3UnsignedHost);
  }

  /**
   * Each capture verifies with exactly the secret the SDK used: testsecret, or for the
   * bad-signature scenario (one per driver, marked ok=false) testsecret-wrong; any other fails.
   */
  @Test
  void everyCapturedRequestVerifiesWithTheSecretItWasSignedWithAndOnlyWithIt() throws Exception {
    List<Sample> samples = samples();
    assertThat(samples).hasSize(32);
    assertThat(samples.stream().filter(s -> !s.signedRight()).count()).as("bad-signature samples").isEqualTo(8);
    int v1 = 0;
    int v3 = 0;
    int unsignedHost = 0;
    for (Sample s : samples) {
      String secret = s.signedRight() ? "testsecret" : "testsecret-wrong";
      String other = s.signedRight() ? "testsecret-wrong" : "testsecret";
      RequestParameters params = RequestParameters.parse(s.request());
      boolean isV3 = s.request().header("authorization") != null;
      if (isV3) v3++; else v1++;
      // The legacy core's V3 signer does not sign host: refused unless the operator allows it.
      boolean hostUnsigned = isV3 && !s.request().header("authorization").contains("SignedHeaders=host;");
      if (hostUnsigned) {
        unsignedHost++;
        assertThatThrownBy(() -> authenticator(secret, s.time()).authenticate(s.request(), params))
            .as(s.name()).isInstanceOfSatisfying(ApiException.class, e -> {
              assertThat(e.code()).isEqualTo("IncompleteSignature");
              assertThat(e.getMessage()).contains("host");
            });
      }
      Authenticator.Principal p;
      try {
        p = authenticator(secret, s.time(), hostUnsigned).authenticate(s.request(), params);
      } catch (ApiException e) {
        throw new AssertionError(s.name() + ": " + e.code() + " " + e.getMessage(), e);
      }
      assertThat(p.accountId()).as(s.name()).isEqualTo("acct");
      assertThatThrownBy(() -> authenticator(other, s.time(), hostUnsigned).authenticate(s.request(), params))
          .as(s.name()).isInstanceOfSatisfying(ApiException.class,
              e -> assertThat(e.code()).isEqualTo("SignatureDoesNotMatch"));
    }
    assertThat(v1).as("V1-signed samples").isPositive();
    assertThat(v3).as("V3-signed samples").isPositive();
    assertThat(unsignedHost).as("legacy V3 samples (host not signed)").isEqualTo(4);
  }

  @Test
  void aCapturedRequestReplayedIsRejectedAsNonceReuse() throws Exception {
    Sample s = samples().get(0);
    Authenticator a = authenticator("testsecret", s.time());
    RequestParameters params = RequestParameters.parse(s.request());
    a.authenticate(s.request(), params);
    assertThatThrownBy(() -> a.authenticate(s.request(), params)).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.code()).isEqualTo("SignatureNonceUsed"));
  }

  @Test
  void aCapturedRequestIsExpiredFifteenMinutesLater() throws Exception {
    for (Sample s : samples().subList(0, 2)) {
      RequestParameters params = RequestParameters.parse(s.request());
      assertThatThrownBy(() -> authenticator("testsecret", s.time().plusSeconds(15 * 60 + 1))
          .authenticate(s.request(), params)).isInstanceOfSatisfying(ApiException.class,
              e -> assertThat(e.code()).isEqualTo("InvalidTimeStamp.Expired"));
      assertThatThrownBy(() -> authenticator("testsecret", s.time().minusSeconds(15 * 60 + 1))
          .authenticate(s.request(), params)).isInstanceOfSatisfying(ApiException.class,
              e -> assertThat(e.code()).isEqualTo("InvalidTimeStamp.Expired"));
    }
  }
}
