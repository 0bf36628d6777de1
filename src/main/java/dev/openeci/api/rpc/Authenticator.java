package dev.openeci.api.rpc;

import dev.openeci.api.error.ApiException;
import dev.openeci.api.error.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Authenticates a request signed by an official SDK: ACS3-HMAC-SHA256 when the Authorization
 * header says so, else RPC V1 ({@code Signature} parameter). Order of checks: scheme, key,
 * timestamp (+-15 min), signature, and only then the nonce, recorded atomically, so a forged
 * request cannot burn a nonce and two copies of one request cannot both pass.
 */
public final class Authenticator {
  public static final Duration WINDOW = Duration.ofMinutes(15);
  private static final String V3_PREFIX = "ACS3-HMAC-SHA256 ";

  /** The caller. */
  public record Principal(String accountId, String accessKeyId) {}

  private final CredentialStore credentials;
  private final InstantSource clock;
  private final NonceCache nonces;

  public Authenticator(CredentialStore credentials, InstantSource clock) {
    this(credentials, clock, new NonceCache(WINDOW.multipliedBy(2), 1_000_000));
  }

  public Authenticator(CredentialStore credentials, InstantSource clock, NonceCache nonces) {
    this.credentials = credentials;
    this.clock = clock;
    this.nonces = nonces;
  }

  public Principal authenticate(RpcRequest request, RequestParameters params) {
    String authorization = request.header("authorization");
    if (authorization != null && authorization.startsWith(V3_PREFIX)) return v3(request, params, authorization);
    if (params.get("Signature") != null) return v1(request, params);
    throw ErrorCode.MISSING_SIGNATURE.withMessage("The request is not signed: send an ACS3-HMAC-SHA256"
        + " Authorization header or the RPC Signature parameters.");
  }

  private Principal v1(RpcRequest request, RequestParameters params) {
    String method = params.get("SignatureMethod");
    if (method != null && !method.equals("HMAC-SHA1")) {
      throw ErrorCode.INVALID_SIGNATURE_METHOD.withMessage("Specified signature method \"" + method
          + "\" is not supported; use HMAC-SHA1.");
    }
    String version = params.get("SignatureVersion");
    if (version != null && !version.equals("1.0")) {
      throw ErrorCode.MISSING_SIGNATURE.withMessage("Specified SignatureVersion \"" + version
          + "\" is not supported; use 1.0.");
    }
    CredentialStore.Credential key = key(params.get("AccessKeyId"));
    Instant now = clock.instant();
    checkTimestamp(params.get("Timestamp"), "Timestamp", now);
    String nonce = required(params.get("SignatureNonce"), "SignatureNonce");
    String received = params.get("Signature");
    String sts = Signatures.v1StringToSign(request.method(), params.pairs(), false);
    boolean ok = Signatures.matches(Signatures.v1Sign(key.secret(), sts), received);
    if (!ok && params.pairs().stream().anyMatch(p -> p.value().isEmpty() && !p.key().equals("Signature"))) {
      String skipEmpty = Signatures.v1StringToSign(request.method(), params.pairs(), true);
      ok = Signatures.matches(Signatures.v1Sign(key.secret(), skipEmpty), received);
    }
    if (!ok) {
      throw ErrorCode.SIGNATURE_DOES_NOT_MATCH.withMessage(
          "Specified signature is not matched with our calculation. server string to sign is:" + sts);
    }
    recordNonce(key, nonce, now);
    return new Principal(key.accountId(), key.accessKeyId());
  }

  private Principal v3(RpcRequest request, RequestParameters params, String authorization) {
    Signatures.V3Authorization auth = Signatures.V3Authorization.parse(authorization);
    if (auth == null) {
      throw ErrorCode.MISSING_SIGNATURE.withMessage("The Authorization header must carry Credential,"
          + " SignedHeaders and Signature.");
    }
    CredentialStore.Credential key = key(auth.credential());
    Instant now = clock.instant();
    checkTimestamp(request.header("x-acs-date"), "x-acs-date", now);
    String nonce = required(request.header("x-acs-signature-nonce"), "x-acs-signature-nonce");
    String bodyHash = Signatures.sha256Hex(request.body());
    String claimed = request.header("x-acs-content-sha256");
    if (claimed == null || !claimed.equalsIgnoreCase(bodyHash)) {
      throw ErrorCode.SIGNATURE_DOES_NOT_MATCH.withMessage("Specified signature is not matched with our"
          + " calculation: x-acs-content-sha256 does not match the request body.");
    }
    // The canonical query is the query string only (form-body parameters are covered by the body hash).
    List<RequestParameters.Pair> query = new ArrayList<>();
    if (request.rawQuery() != null) {
      query.addAll(RequestParameters.parse(new RpcRequest(request.method(), request.path(), request.rawQuery(),
          java.util.Map.of(), new byte[0])).pairs());
    }
    String canonical = Signatures.v3CanonicalRequest(request.method(), request.path(), query, request.headers(),
        auth.signedHeaders(), claimed);
    String expected = Signatures.v3Sign(key.secret(), Signatures.v3StringToSign(canonical));
    if (!Signatures.matches(expected, auth.signature().toLowerCase(java.util.Locale.ROOT))) {
      throw ErrorCode.SIGNATURE_DOES_NOT_MATCH.withMessage("Specified signature is not matched with our"
          + " calculation.");
    }
    recordNonce(key, nonce, now);
    return new Principal(key.accountId(), key.accessKeyId());
  }

  private CredentialStore.Credential key(String accessKeyId) {
    if (accessKeyId == null || accessKeyId.isEmpty()) throw ErrorCode.missing("AccessKeyId");
    Optional<CredentialStore.Credential> found = credentials.find(accessKeyId);
    return found.orElseThrow(() -> ErrorCode.INVALID_ACCESS_KEY_ID_NOT_FOUND.withMessage(
        "Specified access key is not found."));
  }

  private static String required(String value, String name) {
    if (value == null || value.isEmpty()) throw ErrorCode.missing(name);
    return value;
  }

  private static void checkTimestamp(String value, String name, Instant now) {
    if (value == null || value.isEmpty()) {
      throw ErrorCode.INVALID_TIMESTAMP_FORMAT.withMessage("The " + name + " is missing; send UTC"
          + " yyyy-MM-ddTHH:mm:ssZ.");
    }
    Instant t;
    try {
      t = parseTimestamp(value);
    } catch (DateTimeParseException e) {
      throw ErrorCode.INVALID_TIMESTAMP_FORMAT.withMessage("Specified time stamp or date value is not well"
          + " formatted: " + name + "=\"" + value + "\" (expected UTC yyyy-MM-ddTHH:mm:ssZ).");
    }
    if (Duration.between(t, now).abs().compareTo(WINDOW) > 0) {
      throw ErrorCode.INVALID_TIMESTAMP_EXPIRED.withMessage("Specified time stamp or date value is expired: "
          + name + "=" + value + " is more than 15 minutes from the server time " + now.truncatedTo(
          java.time.temporal.ChronoUnit.SECONDS) + ".");
    }
  }

  /**
   * An RFC 3339 timestamp. The form every SDK sends, {@code yyyy-MM-ddTHH:mm:ssZ}, is read
   * directly (it is parsed on every request); anything else goes to {@link OffsetDateTime#parse}.
   */
  static Instant parseTimestamp(String v) {
    if (v.length() == 20 && v.charAt(4) == '-' && v.charAt(7) == '-' && v.charAt(10) == 'T' && v.charAt(13) == ':'
        && v.charAt(16) == ':' && v.charAt(19) == 'Z') {
      int y = digits(v, 0, 4);
      int mo = digits(v, 5, 7);
      int d = digits(v, 8, 10);
      int h = digits(v, 11, 13);
      int mi = digits(v, 14, 16);
      int se = digits(v, 17, 19);
      if ((y | mo | d | h | mi | se) >= 0) {
        try {
          return java.time.LocalDateTime.of(y, mo, d, h, mi, se).toInstant(java.time.ZoneOffset.UTC);
        } catch (java.time.DateTimeException e) {
          // out of range (month 13, hour 24, ...): let the full parser report it
        }
      }
    }
    return OffsetDateTime.parse(v).toInstant();
  }

  private static int digits(String s, int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') return -1;
      n = n * 10 + (c - '0');
    }
    return n;
  }

  private void recordNonce(CredentialStore.Credential key, String nonce, Instant now) {
    switch (nonces.record(key.accessKeyId(), nonce, now)) {
      case FRESH -> { }
      case REUSED -> throw ErrorCode.SIGNATURE_NONCE_USED.withMessage(
          "Specified signature nonce was used already.");
      case FULL -> throw new ApiException(ErrorCode.THROTTLING, "Request was denied due to request throttling.");
    }
  }
}
