package dev.openeci.backend.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.Tag;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every name, label and annotation the Kubernetes backend puts on the cluster, in one place
 * (K8S-DESIGN.md, docs/kubernetes.md). Pure: no client, no I/O.
 *
 * <ul>
 *   <li>namespace per (instance, account, region): {@code oeci-} + 20 hex of SHA-256;
 *   <li>Pod name = the group id ({@code eci-} + 20 [a-z0-9], a DNS label);
 *   <li>objects made for a group: {@code <group-id>-<what>-<10 hex content hash>};
 *   <li>labels only where the value is a valid label value; raw values always in annotations.
 * </ul>
 */
public final class KubernetesNames {
  private KubernetesNames() {}

  public static final String PREFIX = "openeci.dev/";
  /** The openeci server (instance id) that made the object; informers and GC select on it. */
  public static final String OWNER = PREFIX + "owner";
  public static final String GROUP_ID = PREFIX + "group-id";
  public static final String SPEC_VERSION = PREFIX + "spec-version";
  public static final String RESTART_GENERATION = PREFIX + "restart-generation";
  public static final String ACCOUNT = PREFIX + "account";
  public static final String REGION = PREFIX + "region";
  /** Label (when valid) and annotation (always) with the group's name. */
  public static final String GROUP_NAME = PREFIX + "group-name";
  /** Annotation: the tags as a JSON object (key -> value, in order). */
  public static final String TAGS = PREFIX + "tags";
  /** Label of a DiskVolume's claim (it outlives groups, so it carries no group id). */
  public static final String DISK_ID = PREFIX + "disk-id";
  /** Label prefix of tags: {@code tag.openeci.dev/<key>}. */
  public static final String TAG_PREFIX = "tag.openeci.dev/";
  public static final String INGRESS_BANDWIDTH = "kubernetes.io/ingress-bandwidth";
  public static final String EGRESS_BANDWIDTH = "kubernetes.io/egress-bandwidth";

  private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
  private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
      "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final ObjectMapper JSON = new ObjectMapper();

  // --- validity ----------------------------------------------------------------------------------

  /** A label value: empty, or at most 63 of [A-Za-z0-9-_.] starting and ending alphanumeric. */
  public static boolean isValidLabelValue(String v) {
    return v != null && v.length() <= 63 && LABEL_VALUE.matcher(v).matches();
  }

  /** A label (or annotation) key: an optional DNS-subdomain prefix (<= 253) and "/", then a name (<= 63). */
  public static boolean isValidLabelKey(String k) {
    if (k == null || k.isEmpty()) return false;
    int slash = k.indexOf('/');
    String name = k;
    if (slash >= 0) {
      String prefix = k.substring(0, slash);
      name = k.substring(slash + 1);
      if (!isDnsSubdomain(prefix)) return false;
    }
    return !name.isEmpty() && name.length() <= 63 && LABEL_NAME.matcher(name).matches();
  }

  /** A DNS-1123 label (container, volume, port and hostname rules): at most 63 of [a-z0-9-]. */
  public static boolean isDnsLabel(String v) {
    return v != null && !v.isEmpty() && v.length() <= 63 && DNS_LABEL.matcher(v).matches();
  }

  /** A DNS-1123 subdomain (host alias names, search domains): at most 253, dot-separated DNS labels. */
  public static boolean isDnsSubdomain(String v) {
    if (v == null || v.isEmpty() || v.length() > 253 || !DNS_SUBDOMAIN.matcher(v).matches()) return false;
    for (String label : v.split("\\.")) {
      if (label.length() > 63) return false;
    }
    return true;
  }

  // --- namespaces ----------------------------------------------------------------------------------

  /** {@code oeci-} + the first 20 hex digits of SHA-256(instanceId \n accountId \n regionId). */
  public static String namespace(String instanceId, String accountId, String regionId) {
    return "oeci-" + sha256Hex(instanceId + "\n" + accountId + "\n" + regionId).substring(0, 20);
  }

  /** Namespace labels: owner, region, and the account only when it is a valid label value. */
  public static Map<String, String> namespaceLabels(String instanceId, String accountId, String regionId) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(OWNER, instanceId);
    putIfValid(out, REGION, regionId);
    putIfValid(out, ACCOUNT, accountId);
    return out;
  }

  /** Namespace annotations: the raw account and region. */
  public static Map<String, String> namespaceAnnotations(String accountId, String regionId) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(ACCOUNT, accountId);
    out.put(REGION, regionId);
    return out;
  }

  // --- pods ----------------------------------------------------------------------------------------

  /** The Pod of a group is named by the group id. */
  public static String pod(String groupId) {
    return groupId;
  }

  /**
   * Pod labels: owner, group id, spec version, restart generation; account, region, group name and
   * tags ({@code tag.openeci.dev/<key>}) only where the key and value are valid.
   */
  public static Map<String, String> podLabels(ContainerGroup g, String instanceId) {
    Map<String, String> out = ownedLabels(instanceId, g.id());
    out.put(SPEC_VERSION, Long.toString(g.specVersion()));
    out.put(RESTART_GENERATION, Long.toString(g.restartGeneration()));
    putIfValid(out, ACCOUNT, g.accountId());
    putIfValid(out, REGION, g.regionId());
    putIfValid(out, GROUP_NAME, g.spec().name());
    for (Tag t : g.spec().tags()) {
      String key = TAG_PREFIX + t.key();
      if (isValidLabelKey(key)) putIfValid(out, key, t.value() == null ? "" : t.value());
    }
    return out;
  }

  /** Pod annotations: the raw group name and the tags as JSON (always, valid labels or not). */
  public static Map<String, String> podAnnotations(ContainerGroup g) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(GROUP_NAME, g.spec().name());
    Map<String, String> tags = new LinkedHashMap<>();
    for (Tag t : g.spec().tags()) tags.put(t.key(), t.value() == null ? "" : t.value());
    try {
      out.put(TAGS, JSON.writeValueAsString(tags));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** Labels of everything made for a group (ConfigMaps, Secret, Service, claims, the Pod). */
  public static Map<String, String> ownedLabels(String instanceId, String groupId) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(OWNER, instanceId);
    out.put(GROUP_ID, groupId);
    return out;
  }

  /** The selector of everything this server made ({@code openeci.dev/owner=<instanceId>}). */
  public static Map<String, String> ownerSelector(String instanceId) {
    return Map.of(OWNER, instanceId);
  }

  /** The selector of a group's Pod (its Service selects on it too). */
  public static Map<String, String> groupSelector(String groupId) {
    return Map.of(GROUP_ID, groupId);
  }

  // --- objects made for a group ---------------------------------------------------------------------

  /**
   * {@code <group-id>-<what>-<10 hex of SHA-256(content)>}: content-hashed, so a recreate for a new
   * spec never collides with an object the garbage collector is still removing.
   */
  public static String objectName(String groupId, String what, String content) {
    return groupId + "-" + what + "-" + sha256Hex(content).substring(0, 10);
  }

  /** The claim of a DiskVolume with a DiskId: one per disk in the account's namespace, outliving groups. */
  public static String diskClaim(String diskId) {
    return "disk-" + diskId;
  }

  /**
   * The Pod's name for an ECI volume: the volume name when it is a DNS label (at most 63
   * characters), else {@code v-} + 16 hex of its hash (ECI allows names up to 128).
   */
  public static String volume(String eciVolumeName) {
    return isDnsLabel(eciVolumeName) ? eciVolumeName : "v-" + sha256Hex(eciVolumeName).substring(0, 16);
  }

  static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void putIfValid(Map<String, String> out, String key, String value) {
    if (value != null && isValidLabelValue(value)) out.put(key, value);
  }
}
