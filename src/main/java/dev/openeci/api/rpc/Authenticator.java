package dev.openeci.api.rpc;

import dev.openeci.error.ApiException;
import dev.openeci.error.ErrorCode;
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
 * timestamp (+-15 min), nonce length, signature, the account's rate limit, and only then the
 * nonce, recorded atomically (and durably when the cache has a store), so a forged request cannot
 * burn a nonce and two copies of one request cannot both pass.
 *
 * <p>What is signed is what is served: V3 must sign {@code host}, {@code x-acs-action},
 * {@code x-acs-version}, {@code x-acs-date}, {@code x-acs-signature-nonce},
 * {@code x-acs-content-sha256} and every other {@code x-acs-*} header sent (and
 * {@code content-type} with a body); V1 must carry Action and Version as (signed) parameters, and
 * when only the Java Tea variant (empty values left out of the string to sign) verifies, the
 * empty parameters were not signed and are dropped before the request is served.
 */
public final class Authenticator {
  public static final Duration WINDOW = Duration.ofMinutes(15);
  private static final String V3_PREFIX = "ACS3-HMAC-SHA256 ";
  /** Headers every ACS3 signature must cover (host unless the operator allows the legacy signer). */
  static final List<String> V3_REQUIRED = List.of("host", "x-acs-action", "x-acs-version", "x-acs-date",
      "x-acs-signature-nonce", "x-acs-content-sha256");
  /** V1 parameters whose values a SignatureDoesNotMatch message may show; all others are redacted. */
  private static final java.util.Set<String> V1_SHOWN = java.util.Set.of("AccessKeyId", "Action", "Version",
      "Format", "RegionId", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp");

  /** The caller. */
  public record Principal(String accountId, String accessKeyId) {}

  /** The caller and the parameters its signature covers (what the request is served with). */
  public record Authenticated(Principal principal, RequestParameters params) {}

  private final CredentialStore credentials;
  private final InstantSource clock;
  private final NonceCache nonces;
  private final RateLimiter limiter;
  private final boolean v3UnsignedHost;

  public Authenticator(CredentialStore credentials, InstantSource clock) {
    this(credentials, clock, new NonceCache(WINDOW, 1_000_000));
  }

  public Authenticator(CredentialStore credentials, InstantSource clock, NonceCache nonces) {
    this(credentials, clock, nonces, RateLimiter.unlimited(), false);
  }

  public Authenticator(CredentialStore credentials, InstantSource clock, NonceCache nonces, RateLimiter limiter,
      boolean v3UnsignedHost) {
    this.credentials = credentials;
    this.clock = clock;
    this.nonces = nonces;
    this.limiter = limiter;
    this.v3UnsignedHost = v3UnsignedHost;
  }

  public Principal authenticate(RpcRequest request, RequestParameters params) {
    return authenticateRequest(request, params).principal();
  }

  public Authenticated authenticateRequest(RpcRequest request, RequestParameters params) {
    String authorization = request.header("authorization");
    if (authorization != null && authorization.startsWith(V3_PREFIX)) {
      return new Authenticated(v3(request, params, authorization), params);
    }
    if (params.get("Signature") != null) return v1(request, params);
    throw ErrorCode.MISSING_SIGNATURE.withMessage("The request is not signed: send an ACS3-HMAC-SHA256"
        + " Authorization header or the RPC Signature parameters.");
  }

  private Authenticated v1(RpcRequest request, RequestParameters params) {
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
    // Action and Version must be signed: a header (x-acs-action) is not covered by a V1 signature.
    if (params.get("Action") == null || params.get("Action").isEmpty()) throw ErrorCode.missing("Action");
    if (params.get("Version") == null || params.get("Version").isEmpty()) throw ErrorCode.missing("Version");
    CredentialStore.Credential key = key(params.get("AccessKeyId"));
    Instant now = clock.instant();
    Instant stamped = checkTimestamp(params.get("Timestamp"), "Timestamp", now);
    String nonce = nonce(params.get("SignatureNonce"), "SignatureNonce");
    String received = params.get("Signature");
    String sts = Signatures.v1StringToSign(request.method(), params.pairs(), false);
    RequestParameters served = params;
    boolean ok = Signatures.matches(Signatures.v1Sign(key.secret(), sts), received);
    if (!ok && params.pairs().stream().anyMatch(p -> p.value().isEmpty() && !p.key().equals("Signature"))) {
      // The Java Tea signer leaves empty values out of the string to sign: those parameters are
      // not covered (anyone could have appended "Tag="), so they are not served either.
      String skipEmpty = Signatures.v1StringToSign(request.method(), params.pairs(), true);
      ok = Signatures.matches(Signatures.v1Sign(key.secret(), skipEmpty), received);
      served = params.withoutEmptyValues();
    }
    if (!ok) {
      throw ErrorCode.SIGNATURE_DOES_NOT_MATCH.withMessage("Specified signature is not matched with our"
          + " calculation. server string to sign is:"
          + Signatures.v1StringToSign(request.method(), redacted(params), false));
    }
    admit(key, nonce, stamped, now);
    return new Authenticated(new Principal(key.accountId(), key.accessKeyId()), served);
  }

  /** The parameters with every value but the protocol's replaced by {@code ***}: no secret is echoed. */
  private static List<RequestParameters.Pair> redacted(RequestParameters params) {
    List<RequestParameters.Pair> out = new ArrayList<>();
    for (RequestParameters.Pair p : params.pairs()) {
      out.add(V1_SHOWN.contains(p.key()) || p.value().isEmpty() ? p : new RequestParameters.Pair(p.key(), "***"));
    }
    return out;
  }

  private Principal v3(RpcRequest request, RequestParameters params, String authorization) {
    Signatures.V3Authorization auth = Signatures.V3Authorization.parse(authorization);
    if (auth == null) {
      throw ErrorCode.MISSING_SIGNATURE.withMessage("The Authorization header must carry Credential,"
          + " SignedHeaders and Signature.");
    }
    checkSignedHeaders(request, auth.signedHeaders());
    CredentialStore.Credential key = key(auth.credential());
    Instant now = clock.instant();
    Instant stamped = checkTimestamp(request.header("x-acs-date"), "x-acs-date", now);
    String nonce = nonce(request.header("x-acs-signature-nonce"), "x-acs-signature-nonce");
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
          java.util.Map.of(), new byte[0]), RequestParameters.Limits.NONE).pairs());
    }
    String canonical = Signatures.v3CanonicalRequest(request.method(), request.path(), query, request.headers(),
        auth.signedHeaders(), claimed);
    String expected = Signatures.v3Sign(key.secret(), Signatures.v3StringToSign(canonical));
    if (!Signatures.matches(expected, auth.signature().toLowerCase(java.util.Locale.ROOT))) {
      throw ErrorCode.SIGNATURE_DOES_NOT_MATCH.withMessage("Specified signature is not matched with our"
          + " calculation.");
    }
    admit(key, nonce, stamped, now);
    return new Principal(key.accountId(), key.accessKeyId());
  }

  /**
   * The headers that decide what the request does must be signed, or a captured signature could
   * be re-sent with another action, date or nonce (a signed Describe re-sent as a Delete).
   */
  private void checkSignedHeaders(RpcRequest request, List<String> signed) {
    java.util.Set<String> set = new java.util.HashSet<>(signed);
    List<String> missing = new ArrayList<>();
    for (String h : V3_REQUIRED) {
      if (!set.contains(h) && !(v3UnsignedHost && h.equals("host"))) missing.add(h);
    }
    for (String h : request.headers().keySet()) {
      if (h.startsWith("x-acs-") && !set.contains(h) && !missing.contains(h)) missing.add(h);
    }
    if (request.body().length > 0 && request.header("content-type") != null && !set.contains("content-type")) {
      missing.add("content-type");
    }
    if (!missing.isEmpty()) {
      throw ErrorCode.MISSING_SIGNATURE.withMessage("The ACS3-HMAC-SHA256 SignedHeaders must include "
          + String.join(", ", missing) + ".");
    }
    for (String h : signed) {
      if (request.header(h) == null) {
        throw ErrorCode.MISSING_SIGNATURE.withMessage("The signed header \"" + (h.length() > 64 ? h.substring(0, 64)
            + "..." : h) + "\" is not in the request.");
      }
    }
  }

  private CredentialStore.Credential key(String accessKeyId) {
    if (accessKeyId == null || accessKeyId.isEmpty()) throw ErrorCode.missing("AccessKeyId");
    Optional<CredentialStore.Credential> found = credentials.find(accessKeyId);
    return found.orElseThrow(() -> ErrorCode.INVALID_ACCESS_KEY_ID_NOT_FOUND.withMessage(
        "Specified access key is not found."));
  }

  private static String nonce(String value, String name) {
    if (value == null || value.isEmpty()) throw ErrorCode.missing(name);
    if (value.length() > NonceCache.MAX_NONCE_CHARS) {
      throw ErrorCode.invalid(name, "a nonce has at most " + NonceCache.MAX_NONCE_CHARS + " characters (got "
          + value.length() + ")");
    }
    return value;
  }

  private static Instant checkTimestamp(String value, String name, Instant now) {
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
    return t;
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

  /** The account's rate limit, then the nonce (a throttled request does not burn its nonce). */
  private void admit(CredentialStore.Credential key, String nonce, Instant stamped, Instant now) {
    if (!limiter.tryAcquire(key.accountId())) {
      throw ErrorCode.THROTTLING_USER.withMessage("Request was denied due to user flow control.");
    }
    switch (nonces.record(key.accessKeyId(), nonce, stamped, now)) {
      case FRESH -> { }
      case REUSED -> throw ErrorCode.SIGNATURE_NONCE_USED.withMessage(
          "Specified signature nonce was used already.");
      case KEY_FULL -> throw ErrorCode.THROTTLING_USER.withMessage("Request was denied due to user flow control:"
          + " this AccessKey has too many nonces in use within the 15-minute window.");
      case FULL -> throw new ApiException(ErrorCode.THROTTLING, "Request was denied due to request throttling.");
    }
  }
}
