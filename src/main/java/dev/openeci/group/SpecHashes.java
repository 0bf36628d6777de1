package dev.openeci.group;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Short hashes of the parts of a spec that decide what an update must recreate. They are put on
 * engine containers as labels when they are created, so the planner tells a changed container
 * from an unchanged one by comparing labels with the current spec, without keeping old specs:
 *
 * <ul>
 *   <li>{@link #container}: one container's whole spec; a change restarts that container only;
 *   <li>{@link #init}: the init containers; a change restarts the group (init containers run again);
 *   <li>{@link #sandbox}: volumes, DNS, network and pod security; a change recreates the sandbox.
 * </ul>
 *
 * Tags, resource group, restart policy and registry credentials are in none of them: changing
 * those restarts nothing.
 */
public final class SpecHashes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SpecHashes() {}

  public static String container(ContainerSpec c) {
    return hash(c);
  }

  public static String init(GroupSpec spec) {
    return hash(spec.initContainers());
  }

  public static String sandbox(GroupSpec spec) {
    // "account-network": sandboxes made before groups got one network per account are recreated on it.
    return hash(List.of(spec.volumes(), spec.dns(), spec.network(), spec.security(), "account-network"));
  }

  private static String hash(Object value) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(value));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
