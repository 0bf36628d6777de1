package dev.openeci.api.mapping;

import dev.openeci.error.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * UpdateContainerGroup as a merge of flattened parameters: the stored CreateContainerGroup
 * parameters of a group (as last merged) plus the update's parameters give the parameters of the
 * new spec, which {@link CreateRequestMapper} then reads and validates exactly like a create. This
 * keeps one parser and one set of rules for both operations, for all 123 update paths.
 *
 * <p>Rules (docs/update.md):
 *
 * <ul>
 *   <li>Only the sections UpdateContainerGroup documents can change ({@link #SECTIONS}); anything
 *       else in the request is ignored, as ECI ignores unknown parameters.
 *   <li><b>RenewUpdate</b> (default): every section the request names replaces the stored one
 *       wholesale (all tags, all containers, ...); scalars replace scalars.
 *   <li><b>IncrementalUpdate</b>: scalars replace; tags are merged by Key; volumes by Name (a given
 *       volume replaces the stored one of that name, new names are added); containers and init
 *       containers by Name: each field the request gives (Image, Command, EnvironmentVar,
 *       LivenessProbe, the PostStart or PreStop handler, ...) replaces that field of the stored
 *       container, fields not given stay, unknown names are added; DnsConfig members
 *       (NameServer, Search, Option) replace the stored member. ImageRegistryCredential and
 *       AcrRegistryInfo are always replaced wholesale (ECI supports only RenewUpdate for them).
 * </ul>
 */
public final class UpdateMerge {
  public enum Type { RenewUpdate, IncrementalUpdate }

  /** Top-level sections UpdateContainerGroup can change. */
  public static final Set<String> SECTIONS = Set.of("RestartPolicy", "Cpu", "Memory", "ResourceGroupId", "Tag",
      "Volume", "DnsConfig", "Container", "InitContainer", "ImageRegistryCredential", "AcrRegistryInfo");
  private static final Set<String> LISTS = Set.of("Tag", "Volume", "Container", "InitContainer",
      "ImageRegistryCredential", "AcrRegistryInfo");
  /** Container fields spelled as several flat keys that form one struct. */
  private static final List<String> FLAT_STRUCTS = List.of("LifecyclePostStartHandler", "LifecyclePreStopHandler");

  private UpdateMerge() {}

  /** Parameters of the protocol and of the call itself, never part of a spec. */
  static final Set<String> NOT_SPEC = Set.of("Action", "Version", "AccessKeyId", "Signature", "SignatureMethod",
      "SignatureVersion", "SignatureNonce", "SignatureType", "Timestamp", "Format", "RegionId", "ClientToken",
      "DryRun", "ContainerGroupId", "UpdateType", "OwnerId", "OwnerAccount", "ResourceOwnerId",
      "ResourceOwnerAccount", "SecurityToken", "BearerToken");

  /** A request's spec parameters: what a create stores, and what an update merges into it. */
  public static Map<String, String> specParams(dev.openeci.api.rpc.ParamReader p) {
    Map<String, String> out = new TreeMap<>();
    for (String k : p.allKeys()) {
      if (!NOT_SPEC.contains(k)) out.put(k, p.string(k));
    }
    return out;
  }

  /** The UpdateType parameter; absent means RenewUpdate. */
  public static Type type(String value) {
    if (value == null || value.isEmpty()) return Type.RenewUpdate;
    for (Type t : Type.values()) {
      if (t.name().equals(value)) return t;
    }
    throw ErrorCode.invalid("UpdateType", "\"" + value + "\" is not one of RenewUpdate, IncrementalUpdate");
  }

  /** The update's own parameters: documented sections only, with the update spelling normalized. */
  public static Map<String, String> updateParams(Map<String, String> request) {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : request.entrySet()) {
      String key = normalize(e.getKey());
      if (SECTIONS.contains(section(key))) out.put(key, e.getValue());
    }
    return out;
  }

  /** UpdateContainerGroup documents {@code LifecyclePostStartHandlerHttpGetHttpHeaders}; Create has no "s". */
  static String normalize(String key) {
    return key.replace("HandlerHttpGetHttpHeaders.", "HandlerHttpGetHttpHeader.");
  }

  public static Map<String, String> merge(Map<String, String> stored, Map<String, String> update, Type type) {
    Map<String, String> upd = updateParams(update);
    Map<String, Map<String, String>> storedBySection = bySection(stored);
    Map<String, Map<String, String>> updBySection = bySection(upd);
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, Map<String, String>> e : storedBySection.entrySet()) {
      if (!updBySection.containsKey(e.getKey())) out.putAll(e.getValue());
    }
    for (Map.Entry<String, Map<String, String>> e : updBySection.entrySet()) {
      String section = e.getKey();
      Map<String, String> given = e.getValue();
      Map<String, String> old = storedBySection.getOrDefault(section, Map.of());
      if (type == Type.RenewUpdate || !LISTS.contains(section) && !section.equals("DnsConfig")
          || section.equals("ImageRegistryCredential") || section.equals("AcrRegistryInfo")) {
        out.putAll(given);
      } else if (section.equals("DnsConfig")) {
        out.putAll(mergeFields(old, given, "DnsConfig."));
      } else {
        out.putAll(mergeList(section, old, given));
      }
    }
    return out;
  }

  private static Map<String, Map<String, String>> bySection(Map<String, String> params) {
    Map<String, Map<String, String>> out = new TreeMap<>();
    for (Map.Entry<String, String> e : params.entrySet()) {
      out.computeIfAbsent(section(e.getKey()), k -> new TreeMap<>()).put(e.getKey(), e.getValue());
    }
    return out;
  }

  static String section(String key) {
    int dot = key.indexOf('.');
    return dot < 0 ? key : key.substring(0, dot);
  }

  /** List items of {@code section}, in index order, each as its keys relative to "Section.N.". */
  private static List<Map<String, String>> items(String section, Map<String, String> params) {
    TreeMap<Integer, Map<String, String>> byIndex = new TreeMap<>();
    String prefix = section + ".";
    for (Map.Entry<String, String> e : params.entrySet()) {
      String rest = e.getKey().substring(prefix.length());
      int dot = rest.indexOf('.');
      String index = dot < 0 ? rest : rest.substring(0, dot);
      int n;
      try {
        n = Integer.parseInt(index);
      } catch (NumberFormatException ex) {
        throw ErrorCode.invalid(e.getKey(), "\"" + index + "\" is not a list index");
      }
      if (n < 1) throw ErrorCode.invalid(e.getKey(), "list indexes start at 1");
      byIndex.computeIfAbsent(n, k -> new TreeMap<>()).put(dot < 0 ? "" : rest.substring(dot + 1), e.getValue());
    }
    return new ArrayList<>(byIndex.values());
  }

  private static Map<String, String> mergeList(String section, Map<String, String> stored, Map<String, String> given) {
    String keyField = section.equals("Tag") ? "Key" : "Name";
    List<Map<String, String>> result = items(section, stored);
    List<Map<String, String>> updates = items(section, given);
    for (int i = 0; i < updates.size(); i++) {
      Map<String, String> u = updates.get(i);
      String name = u.get(keyField);
      if (name == null || name.isEmpty()) {
        throw ErrorCode.missing(section + "." + (i + 1) + "." + keyField
            + " (IncrementalUpdate matches " + section + " items by " + keyField + ")");
      }
      int match = -1;
      for (int j = 0; j < result.size(); j++) {
        if (name.equals(result.get(j).get(keyField))) match = j;
      }
      if (match < 0) {
        result.add(u);
      } else if (section.equals("Container") || section.equals("InitContainer")) {
        result.set(match, mergeFields(result.get(match), u, ""));
      } else {
        result.set(match, u);
      }
    }
    Map<String, String> out = new TreeMap<>();
    for (int i = 0; i < result.size(); i++) {
      for (Map.Entry<String, String> e : result.get(i).entrySet()) {
        out.put(section + "." + (i + 1) + (e.getKey().isEmpty() ? "" : "." + e.getKey()), e.getValue());
      }
    }
    return out;
  }

  /** Each field (first path segment after {@code prefix}) given in {@code given} replaces that field. */
  private static Map<String, String> mergeFields(Map<String, String> stored, Map<String, String> given, String prefix) {
    Map<String, Map<String, String>> fields = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : stored.entrySet()) {
      fields.computeIfAbsent(field(e.getKey(), prefix), k -> new TreeMap<>()).put(e.getKey(), e.getValue());
    }
    Map<String, Map<String, String>> replaced = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : given.entrySet()) {
      replaced.computeIfAbsent(field(e.getKey(), prefix), k -> new TreeMap<>()).put(e.getKey(), e.getValue());
    }
    fields.putAll(replaced);
    Map<String, String> out = new TreeMap<>();
    fields.values().forEach(out::putAll);
    return out;
  }

  private static String field(String key, String prefix) {
    String rest = key.substring(prefix.length());
    for (String s : FLAT_STRUCTS) {
      if (rest.startsWith(s)) return s;
    }
    return section(rest);
  }
}
