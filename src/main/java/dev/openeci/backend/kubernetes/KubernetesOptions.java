package dev.openeci.backend.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.config.PodPolicy;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operator's options of the Kubernetes backend (docs/kubernetes.md, "What each parameter does
 * on Kubernetes"). Built by the lead from {@code serve} flags and passed through unchanged.
 *
 * @param instanceId this openeci server's instance id ({@code Bootstrap.instanceId}): the
 *     {@code openeci.dev/owner} label and part of every namespace name
 * @param serviceType the Service made for a group with AutoCreateEip/EipInstanceId and ports
 *     (suggested flag {@code --k8s-service-type NodePort|LoadBalancer|None}, default NodePort)
 * @param storageClass the StorageClass of the PersistentVolumeClaims made for DiskVolume and
 *     FlexVolume; null = such groups are refused with 403 {@code Forbidden.PersistentVolume}
 *     (suggested flag {@code --k8s-storage-class NAME})
 * @param nodeMap InstanceType / SpotStrategy / ZoneId (and the default) -> nodeSelector and
 *     tolerations ({@code --k8s-node-map FILE}, JSON, {@link NodeMap#parse})
 * @param podPolicy the same operator policy as the local backend: host path allow-list,
 *     privileged, capabilities, maximum grace period
 * @param requestPercent the CPU and memory each container requests, in percent of its limit
 *     ({@code --k8s-request-percent}, 1..100, default 100: requests = limits, ECI's guaranteed
 *     resources, QoS Guaranteed). Lower values overcommit nodes (QoS Burstable), as OpenShift's
 *     ClusterResourceOverride does: for development clusters, never where tenants pay for resources.
 */
public record KubernetesOptions(String instanceId, ServiceType serviceType, String storageClass, NodeMap nodeMap,
    PodPolicy podPolicy, int requestPercent) {

  /** Requests = limits. */
  public KubernetesOptions(String instanceId, ServiceType serviceType, String storageClass, NodeMap nodeMap,
      PodPolicy podPolicy) {
    this(instanceId, serviceType, storageClass, nodeMap, podPolicy, 100);
  }

  /** What a group's published ports become. */
  public enum ServiceType {
    NodePort, LoadBalancer, None;

    /** Case-insensitive; throws IllegalArgumentException naming the allowed values. */
    public static ServiceType parse(String s) {
      for (ServiceType t : values()) {
        if (t.name().equalsIgnoreCase(s == null ? "" : s.trim())) return t;
      }
      throw new IllegalArgumentException("service type must be NodePort, LoadBalancer or None, got \"" + s + "\"");
    }
  }

  public KubernetesOptions {
    if (instanceId == null || instanceId.isBlank()) throw new IllegalArgumentException("instance id is required");
    if (serviceType == null) serviceType = ServiceType.NodePort;
    if (storageClass != null && storageClass.isBlank()) storageClass = null;
    if (nodeMap == null) nodeMap = NodeMap.EMPTY;
    if (podPolicy == null) podPolicy = PodPolicy.DEFAULT;
    if (requestPercent < 1 || requestPercent > 100) {
      throw new IllegalArgumentException("the request percent must be 1..100, got " + requestPercent);
    }
  }

  public KubernetesOptions withRequestPercent(int percent) {
    return new KubernetesOptions(instanceId, serviceType, storageClass, nodeMap, podPolicy, percent);
  }

  /** NodePort Services, no StorageClass (Disk/Flex refused), an empty node map. */
  public static KubernetesOptions defaults(String instanceId, PodPolicy podPolicy) {
    return new KubernetesOptions(instanceId, ServiceType.NodePort, null, NodeMap.EMPTY, podPolicy);
  }

  /**
   * The options from {@code serve} flags as strings (what Main/ServerConfig hold): a null
   * {@code serviceType} = NodePort, a null or blank {@code storageClass} = none, a null
   * {@code nodeMapFile} = an empty map. Throws IllegalArgumentException (bad service type, bad node
   * map, naming the file) or IOException (unreadable file): refuse to start with that message.
   */
  public static KubernetesOptions fromFlags(String instanceId, String serviceType, String storageClass,
      Path nodeMapFile, PodPolicy podPolicy) throws IOException {
    return new KubernetesOptions(instanceId, serviceType == null ? ServiceType.NodePort : ServiceType.parse(serviceType),
        storageClass, nodeMapFile == null ? NodeMap.EMPTY : NodeMap.load(nodeMapFile), podPolicy);
  }

  public KubernetesOptions withServiceType(ServiceType t) {
    return new KubernetesOptions(instanceId, t, storageClass, nodeMap, podPolicy, requestPercent);
  }

  public KubernetesOptions withStorageClass(String s) {
    return new KubernetesOptions(instanceId, serviceType, s, nodeMap, podPolicy, requestPercent);
  }

  public KubernetesOptions withNodeMap(NodeMap m) {
    return new KubernetesOptions(instanceId, serviceType, storageClass, m, podPolicy, requestPercent);
  }

  public KubernetesOptions withPodPolicy(PodPolicy p) {
    return new KubernetesOptions(instanceId, serviceType, storageClass, nodeMap, p, requestPercent);
  }

  /** A nodeSelector and tolerations to add to a Pod. */
  public record Placement(Map<String, String> nodeSelector, List<Toleration> tolerations) {
    public static final Placement NONE = new Placement(Map.of(), List.of());

    public Placement {
      nodeSelector = nodeSelector == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(
          nodeSelector));
      tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
    }
  }

  /**
   * Where groups go, by what they ask for. Keys are matched exactly: {@code instanceTypes} by each
   * of the group's InstanceType values (comma-separated in ECI: the first one with an entry wins,
   * else the entry {@code "*"} when the group has an InstanceType), {@code spotStrategies} by
   * SpotStrategy (NoSpot when unset), {@code zones} by ZoneId. The placements found are merged in
   * the order default, instance type, spot strategy, zone: nodeSelector keys of a later one win,
   * tolerations add up.
   */
  public record NodeMap(Placement defaults, Map<String, Placement> instanceTypes, Map<String, Placement> spotStrategies,
      Map<String, Placement> zones) {
    public static final NodeMap EMPTY = new NodeMap(Placement.NONE, Map.of(), Map.of(), Map.of());
    private static final Set<String> TOP = Set.of("default", "instanceTypes", "spotStrategies", "zones");
    private static final Set<String> OPERATORS = Set.of("Exists", "Equal");
    private static final Set<String> EFFECTS = Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");

    public NodeMap {
      if (defaults == null) defaults = Placement.NONE;
      instanceTypes = instanceTypes == null ? Map.of() : Map.copyOf(instanceTypes);
      spotStrategies = spotStrategies == null ? Map.of() : Map.copyOf(spotStrategies);
      zones = zones == null ? Map.of() : Map.copyOf(zones);
    }

    /** The merged placement of a group asking for these (any may be null). */
    public Placement placementFor(String instanceType, String spotStrategy, String zoneId) {
      List<Placement> found = new ArrayList<>();
      found.add(defaults);
      if (instanceType != null && !instanceType.isBlank()) {
        Placement t = null;
        for (String one : instanceType.split(",")) {
          t = instanceTypes.get(one.trim());
          if (t != null) break;
        }
        if (t == null) t = instanceTypes.get("*");
        if (t != null) found.add(t);
      }
      Placement s = spotStrategies.get(spotStrategy == null || spotStrategy.isBlank() ? "NoSpot" : spotStrategy);
      if (s != null) found.add(s);
      if (zoneId != null && zones.containsKey(zoneId)) found.add(zones.get(zoneId));
      Map<String, String> selector = new LinkedHashMap<>();
      List<Toleration> tolerations = new ArrayList<>();
      for (Placement p : found) {
        selector.putAll(p.nodeSelector());
        for (Toleration t : p.tolerations()) if (!tolerations.contains(t)) tolerations.add(t);
      }
      return new Placement(selector, tolerations);
    }

    /** Reads the JSON file of {@code --k8s-node-map}; IllegalArgumentException says what is wrong where. */
    public static NodeMap load(Path file) throws IOException {
      try {
        return parse(Files.readString(file));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
      }
    }

    /**
     * Parses a node map:
     *
     * <pre>{@code
     * {
     *   "default":        {"nodeSelector": {"openeci.dev/pool": "eci"}},
     *   "instanceTypes":  {"ecs.gn6i-c4g1.xlarge": {"nodeSelector": {"gpu": "t4"}},
     *                      "*": {"nodeSelector": {"pool": "general"}}},
     *   "spotStrategies": {"SpotAsPriceGo": {"nodeSelector": {"lifecycle": "spot"},
     *                        "tolerations": [{"key": "spot", "operator": "Equal", "value": "true",
     *                                          "effect": "NoSchedule"}]}},
     *   "zones":          {"cn-hangzhou-b": {"nodeSelector": {"topology.kubernetes.io/zone": "b"}}}
     * }
     * }</pre>
     *
     * Every part is optional; unknown fields are errors (a typo must not silently place groups
     * anywhere). nodeSelector keys and values must be valid label keys and values; a toleration
     * has {@code key}, {@code operator} (Exists | Equal, default Equal), {@code value},
     * {@code effect} (NoSchedule | PreferNoSchedule | NoExecute, empty = all) and
     * {@code tolerationSeconds} (NoExecute only), as in a Pod spec.
     */
    public static NodeMap parse(String json) {
      JsonNode root;
      try {
        root = new ObjectMapper().readTree(json);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
      }
      if (root == null || !root.isObject()) throw new IllegalArgumentException("the node map must be a JSON object");
      for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!TOP.contains(f)) {
          throw new IllegalArgumentException("unknown field \"" + f + "\" (allowed: default, instanceTypes,"
              + " spotStrategies, zones)");
        }
      }
      Placement defaults = root.has("default") ? placement(root.get("default"), "default") : Placement.NONE;
      return new NodeMap(defaults, table(root, "instanceTypes"), table(root, "spotStrategies"), table(root, "zones"));
    }

    private static Map<String, Placement> table(JsonNode root, String field) {
      JsonNode t = root.get(field);
      if (t == null || t.isNull()) return Map.of();
      if (!t.isObject()) throw new IllegalArgumentException(field + " must be an object of placements");
      Map<String, Placement> out = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.put(e.getKey(), placement(e.getValue(), field + "." + e.getKey()));
      }
      return out;
    }

    private static Placement placement(JsonNode p, String where) {
      if (!p.isObject()) throw new IllegalArgumentException(where + " must be an object");
      for (Iterator<String> it = p.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!f.equals("nodeSelector") && !f.equals("tolerations")) {
          throw new IllegalArgumentException(where + ": unknown field \"" + f + "\" (allowed: nodeSelector,"
              + " tolerations)");
        }
      }
      Map<String, String> selector = new LinkedHashMap<>();
      JsonNode s = p.get("nodeSelector");
      if (s != null && !s.isNull()) {
        if (!s.isObject()) throw new IllegalArgumentException(where + ".nodeSelector must be an object");
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          if (!KubernetesNames.isValidLabelKey(e.getKey())) {
            throw new IllegalArgumentException(where + ".nodeSelector: \"" + e.getKey() + "\" is not a label key");
          }
          if (!e.getValue().isTextual() || !KubernetesNames.isValidLabelValue(e.getValue().asText())) {
            throw new IllegalArgumentException(where + ".nodeSelector." + e.getKey() + ": " + e.getValue()
                + " is not a label value");
          }
          selector.put(e.getKey(), e.getValue().asText());
        }
      }
      List<Toleration> tolerations = new ArrayList<>();
      JsonNode ts = p.get("tolerations");
      if (ts != null && !ts.isNull()) {
        if (!ts.isArray()) throw new IllegalArgumentException(where + ".tolerations must be an array");
        for (int i = 0; i < ts.size(); i++) tolerations.add(toleration(ts.get(i), where + ".tolerations[" + i + "]"));
      }
      return new Placement(selector, tolerations);
    }

    private static Toleration toleration(JsonNode t, String where) {
      if (!t.isObject()) throw new IllegalArgumentException(where + " must be an object");
      for (Iterator<String> it = t.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!Set.of("key", "operator", "value", "effect", "tolerationSeconds").contains(f)) {
          throw new IllegalArgumentException(where + ": unknown field \"" + f + "\"");
        }
      }
      String key = text(t, "key", where);
      String operator = text(t, "operator", where);
      if (operator == null) operator = "Equal";
      if (!OPERATORS.contains(operator)) {
        throw new IllegalArgumentException(where + ".operator must be Exists or Equal, got \"" + operator + "\"");
      }
      String value = text(t, "value", where);
      String effect = text(t, "effect", where);
      if (effect != null && !effect.isEmpty() && !EFFECTS.contains(effect)) {
        throw new IllegalArgumentException(where + ".effect must be NoSchedule, PreferNoSchedule or NoExecute, got \""
            + effect + "\"");
      }
      if (key != null && !key.isEmpty() && !KubernetesNames.isValidLabelKey(key)) {
        throw new IllegalArgumentException(where + ".key \"" + key + "\" is not a label key");
      }
      if ((key == null || key.isEmpty()) && !operator.equals("Exists")) {
        throw new IllegalArgumentException(where + ": an empty key needs operator Exists");
      }
      if (operator.equals("Exists") && value != null && !value.isEmpty()) {
        throw new IllegalArgumentException(where + ": operator Exists takes no value");
      }
      if (operator.equals("Equal") && value != null && !KubernetesNames.isValidLabelValue(value)) {
        throw new IllegalArgumentException(where + ".value \"" + value + "\" is not a label value");
      }
      Long seconds = null;
      if (t.has("tolerationSeconds") && !t.get("tolerationSeconds").isNull()) {
        if (!t.get("tolerationSeconds").canConvertToLong() || !t.get("tolerationSeconds").isIntegralNumber()) {
          throw new IllegalArgumentException(where + ".tolerationSeconds must be an integer");
        }
        if (!"NoExecute".equals(effect)) {
          throw new IllegalArgumentException(where + ".tolerationSeconds needs effect NoExecute");
        }
        seconds = t.get("tolerationSeconds").asLong();
      }
      return new TolerationBuilder().withKey(emptyToNull(key)).withOperator(operator).withValue(emptyToNull(value))
          .withEffect(emptyToNull(effect)).withTolerationSeconds(seconds).build();
    }

    private static String text(JsonNode t, String field, String where) {
      JsonNode v = t.get(field);
      if (v == null || v.isNull()) return null;
      if (!v.isTextual()) throw new IllegalArgumentException(where + "." + field + " must be a string");
      return v.asText();
    }

    private static String emptyToNull(String s) {
      return s == null || s.isEmpty() ? null : s;
    }
  }
}
