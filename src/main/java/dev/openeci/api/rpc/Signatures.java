package dev.openeci.api.rpc;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The two signature schemes of the official SDKs, byte-exact (docs/protocol.md):
 * RPC V1 (HMAC-SHA1, {@code Signature} parameter) and ACS3-HMAC-SHA256 ({@code Authorization}).
 * Pure functions; verification compares in constant time.
 */
public final class Signatures {
  public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  private Signatures() {}

  // --- V1 -------------------------------------------------------------------------------------------

  /**
   * {@code METHOD&%2F&pct(canonical)} over every parameter but {@code Signature}, sorted by key;
   * {@code skipEmpty} drops empty-valued parameters (what Java Tea signs).
   */
  public static String v1StringToSign(String method, List<RequestParameters.Pair> params, boolean skipEmpty) {
    List<RequestParameters.Pair> sorted = new ArrayList<>();
    for (RequestParameters.Pair p : params) {
      if (p.key().equals("Signature")) continue;
      if (skipEmpty && p.value().isEmpty()) continue;
      sorted.add(p);
    }
    sorted.sort((a, b) -> a.key().compareTo(b.key()));
    StringBuilder canonical = new StringBuilder();
    for (RequestParameters.Pair p : sorted) {
      if (canonical.length() > 0) canonical.append('&');
      canonical.append(Pct.encode(p.key())).append('=').append(Pct.encode(p.value()));
    }
    return method + "&" + Pct.encode("/") + "&" + Pct.encode(canonical.toString());
  }

  public static String v1Sign(String secret, String stringToSign) {
    return Base64.getEncoder().encodeToString(hmac("HmacSHA1", (secret + "&").getBytes(StandardCharsets.UTF_8),
        stringToSign));
  }

  // --- V3 -------------------------------------------------------------------------------------------

  /** The parsed {@code Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..}. */
  public record V3Authorization(String credential, List<String> signedHeaders, String signature) {
    public static V3Authorization parse(String header) {
      String rest = header.substring("ACS3-HMAC-SHA256".length()).trim();
      String credential = null;
      String signed = null;
      String signature = null;
      for (String part : rest.split(",")) {
        String p = part.trim();
        int eq = p.indexOf('=');
        if (eq < 0) continue;
        String k = p.substring(0, eq).trim();
        String v = p.substring(eq + 1).trim();
        switch (k) {
          case "Credential" -> credential = v;
          case "SignedHeaders" -> signed = v;
          case "Signature" -> signature = v;
          default -> { }
        }
      }
      if (credential == null || signed == null || signature == null) return null;
      List<String> headers = new ArrayList<>();
      for (String h : signed.split(";")) {
        if (!h.isBlank()) headers.add(h.trim().toLowerCase(java.util.Locale.ROOT));
      }
      return new V3Authorization(credential, List.copyOf(headers), signature);
    }
  }

  public static String v3CanonicalRequest(String method, String path, List<RequestParameters.Pair> query,
      Map<String, String> headers, List<String> signedHeaders, String contentSha256) {
    List<RequestParameters.Pair> sorted = new ArrayList<>(query);
    sorted.sort((a, b) -> a.key().compareTo(b.key()));
    StringBuilder q = new StringBuilder();
    for (RequestParameters.Pair p : sorted) {
      if (q.length() > 0) q.append('&');
      q.append(Pct.encode(p.key())).append('=');
      if (!p.value().isEmpty()) q.append(Pct.encode(p.value()));
    }
    StringBuilder h = new StringBuilder();
    for (String name : signedHeaders) {
      String v = headers.get(name);
      h.append(name).append(':').append(v == null ? "" : v.trim()).append('\n');
    }
    return method + "\n" + (path == null || path.isEmpty() ? "/" : path) + "\n" + q + "\n" + h + "\n"
        + String.join(";", signedHeaders) + "\n" + contentSha256;
  }

  public static String v3StringToSign(String canonicalRequest) {
    return "ACS3-HMAC-SHA256\n" + sha256Hex(canonicalRequest.getBytes(StandardCharsets.UTF_8));
  }

  public static String v3Sign(String secret, String stringToSign) {
    return HexFormat.of().formatHex(hmac("HmacSHA256", secret.getBytes(StandardCharsets.UTF_8), stringToSign));
  }

  // --- primitives -------------------------------------------------------------------------------------

  // Provider look-ups (getInstance) cost more than hashing a request; each thread keeps its own
  // instances (they are not thread-safe) and resets them per use.
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> instance("SHA-256"));
  private static final ThreadLocal<Mac> HMAC_SHA1 = ThreadLocal.withInitial(() -> mac("HmacSHA1"));
  private static final ThreadLocal<Mac> HMAC_SHA256 = ThreadLocal.withInitial(() -> mac("HmacSHA256"));

  public static String sha256Hex(byte[] data) {
    MessageDigest md = SHA256.get();
    md.reset();
    return HexFormat.of().formatHex(md.digest(data));
  }

  private static byte[] hmac(String algorithm, byte[] key, String data) {
    Mac mac = switch (algorithm) {
      case "HmacSHA1" -> HMAC_SHA1.get();
      case "HmacSHA256" -> HMAC_SHA256.get();
      default -> mac(algorithm);
    };
    try {
      mac.init(new SecretKeySpec(key, algorithm)); // also resets it
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  private static MessageDigest instance(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Mac mac(String algorithm) {
    try {
      return Mac.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Constant-time comparison of two signature strings. */
  public static boolean matches(String expected, String actual) {
    if (actual == null) return false;
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), actual.getBytes(StandardCharsets.UTF_8));
  }
}
