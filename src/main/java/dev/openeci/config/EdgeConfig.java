package dev.openeci.config;

import java.time.Duration;

/**
 * Bounds of the HTTP edge and the protocol (docs/security.md, "The HTTP edge and the protocol"):
 * everything an unauthenticated or hostile client could make the server spend is capped here
 * before it costs memory or a thread.
 *
 * @param maxHeaderBytes request line + headers (the SDKs send every parameter in the query of a POST)
 * @param maxBodyBytes request body, counted while it streams in (chunked bodies too)
 * @param readTimeout the whole body must arrive within this time, and a connection idle this long is closed
 * @param maxParameters parameters per request (query + form body)
 * @param maxValueChars characters per parameter value
 * @param ratePerSecond authenticated requests per second per account (token bucket refill); 0 = unlimited
 * @param rateBurst bucket size: requests an account may send at once
 * @param maxNoncesPerKey nonces remembered per AccessKey within the replay window (past it: Throttling.User)
 * @param maxNonces nonces remembered in total (past it: Throttling)
 * @param authFailuresPerSecond failed authentications per second a source address may have after its
 *     burst, before its requests are refused unread (Throttling); 0 = unlimited
 * @param authFailureBurst failed authentications a source address may have at once
 * @param v3UnsignedHost accept ACS3 signatures whose SignedHeaders lack {@code host} (the legacy
 *     aliyun-java-sdk-core V3 signer); off by default, so a request cannot be replayed to another server
 */
public record EdgeConfig(
    int maxHeaderBytes,
    int maxBodyBytes,
    Duration readTimeout,
    int maxParameters,
    int maxValueChars,
    double ratePerSecond,
    int rateBurst,
    int maxNoncesPerKey,
    int maxNonces,
    double authFailuresPerSecond,
    int authFailureBurst,
    boolean v3UnsignedHost) {

  public static final int DEFAULT_MAX_HEADER_BYTES = 256 * 1024;
  public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_PARAMETERS = 4096;
  public static final int DEFAULT_MAX_VALUE_CHARS = 64 * 1024;
  public static final double DEFAULT_RATE = 200;
  public static final int DEFAULT_BURST = 2000;
  public static final int DEFAULT_MAX_NONCES_PER_KEY = 500_000;
  public static final int DEFAULT_MAX_NONCES = 1_000_000;
  public static final double DEFAULT_AUTH_FAILURES_PER_SECOND = 10;
  public static final int DEFAULT_AUTH_FAILURE_BURST = 100;

  public static final EdgeConfig DEFAULT = new EdgeConfig(DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_BODY_BYTES,
      DEFAULT_READ_TIMEOUT, DEFAULT_MAX_PARAMETERS, DEFAULT_MAX_VALUE_CHARS, DEFAULT_RATE, DEFAULT_BURST,
      DEFAULT_MAX_NONCES_PER_KEY, DEFAULT_MAX_NONCES, DEFAULT_AUTH_FAILURES_PER_SECOND, DEFAULT_AUTH_FAILURE_BURST,
      false);

  public EdgeConfig {
    if (maxHeaderBytes < 8192) throw new IllegalArgumentException("max header bytes must be >= 8192");
    if (maxBodyBytes < 0) throw new IllegalArgumentException("max body bytes must be >= 0");
    if (readTimeout == null || readTimeout.isNegative() || readTimeout.isZero()) {
      throw new IllegalArgumentException("read timeout must be positive");
    }
    if (maxParameters < 16) throw new IllegalArgumentException("max parameters must be >= 16");
    if (maxValueChars < 256) throw new IllegalArgumentException("max value chars must be >= 256");
    if (ratePerSecond < 0) throw new IllegalArgumentException("rate must be >= 0");
    if (rateBurst < 1) throw new IllegalArgumentException("burst must be >= 1");
    if (authFailuresPerSecond < 0 || authFailureBurst < 1) {
      throw new IllegalArgumentException("auth failure rate must be >= 0 and burst >= 1");
    }
    if (maxNoncesPerKey < 1 || maxNonces < maxNoncesPerKey) {
      throw new IllegalArgumentException("nonce limits must be >= 1 and total >= per key");
    }
  }

  public EdgeConfig withRate(double perSecond, int burst) {
    return new EdgeConfig(maxHeaderBytes, maxBodyBytes, readTimeout, maxParameters, maxValueChars, perSecond, burst,
        maxNoncesPerKey, maxNonces, authFailuresPerSecond, authFailureBurst, v3UnsignedHost);
  }

  public EdgeConfig withNonces(int perKey, int total) {
    return new EdgeConfig(maxHeaderBytes, maxBodyBytes, readTimeout, maxParameters, maxValueChars, ratePerSecond,
        rateBurst, perKey, total, authFailuresPerSecond, authFailureBurst, v3UnsignedHost);
  }

  public EdgeConfig withReadTimeout(Duration timeout) {
    return new EdgeConfig(maxHeaderBytes, maxBodyBytes, timeout, maxParameters, maxValueChars, ratePerSecond,
        rateBurst, maxNoncesPerKey, maxNonces, authFailuresPerSecond, authFailureBurst, v3UnsignedHost);
  }

  public EdgeConfig withV3UnsignedHost(boolean allow) {
    return new EdgeConfig(maxHeaderBytes, maxBodyBytes, readTimeout, maxParameters, maxValueChars, ratePerSecond,
        rateBurst, maxNoncesPerKey, maxNonces, authFailuresPerSecond, authFailureBurst, allow);
  }

  public EdgeConfig withAuthFailures(double perSecond, int burst) {
    return new EdgeConfig(maxHeaderBytes, maxBodyBytes, readTimeout, maxParameters, maxValueChars, ratePerSecond,
        rateBurst, maxNoncesPerKey, maxNonces, perSecond, burst, v3UnsignedHost);
  }
}
