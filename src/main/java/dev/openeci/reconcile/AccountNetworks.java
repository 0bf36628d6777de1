package dev.openeci.reconcile;

import dev.openeci.runtime.Labels;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * One engine network per (openeci instance, account, region) on the local backend
 * (docs/security.md): groups of one account reach each other on it, groups of other accounts are
 * on other isolated networks the engine keeps apart. The name is a hash, so no account id (free
 * text chosen by the operator) reaches the engine; the labels carry the owner, so two servers on
 * one engine never share or remove each other's networks.
 */
public final class AccountNetworks {
  /** Label on every account network (value "true"), with {@link Labels#OWNER} and {@link Labels#MANAGED}. */
  public static final String LABEL = "openeci.account-network";

  private AccountNetworks() {}

  public static String name(String owner, String accountId, String regionId) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256")
          .digest((owner.length() + ":" + owner + accountId.length() + ":" + accountId + regionId)
              .getBytes(StandardCharsets.UTF_8));
      return "openeci-net-" + HexFormat.of().formatHex(d, 0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Map<String, String> labels(String owner) {
    return Map.of(Labels.MANAGED, "true", Labels.OWNER, owner, LABEL, "true");
  }
}
