package dev.openeci.api.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.openeci.error.ApiException;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.group.GroupSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Walks the CreateContainerGroup catalogue (shared/spec, 190 paths) and proves that every path is
 * read into the model: for each path, two requests that differ only in that path's value (both
 * valid, with whatever sibling parameters the path needs) must map to different specs.
 * Request-level parameters that are deliberately not part of the spec are listed in REQUEST_LEVEL.
 */
class CatalogueCoverageTest {
  /** Consumed by the action, not the spec: the region the group lives in, idempotency, validation-only. */
  static final Set<String> REQUEST_LEVEL = Set.of("RegionId", "ClientToken", "DryRun");

  static List<String[]> catalogue(String resource) throws Exception {
    List<String[]> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        CatalogueCoverageTest.class.getResourceAsStream(resource), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("#") || line.isBlank()) continue;
        out.add(line.split("\t"));
      }
    }
    return out;
  }

  /** Two distinct valid values for paths that need specific ones (by path suffix or exact path). */
  static final Map<String, String[]> VALUES = new LinkedHashMap<>();

  static {
    String[][] v = {
        {"ContainerGroupName", "cat-a", "cat-b"}, {"RestartPolicy", "Never", "OnFailure"},
        {"DnsPolicy", "None", "Default"}, {"SpotStrategy", "SpotAsPriceGo", "NoSpot"},
        {"ScheduleStrategy", "VSwitchOrdered", "VSwitchRandom"}, {"EipISP", "BGP", "BGP_PRO"},
        {"EipBandwidth", "5", "10"}, {"OsType", "Linux", "Windows"}, {"CpuArchitecture", "AMD64", "ARM64"},
        {"ComputeCategory.N", "economy", "general"}, {"ImageAccelerateMode", "nydus", "dadi"},
        {"DataCachePL", "PL0", "PL1"}, {"MaxPendingMinute", "10", "20"}, {"CpuOptionsThreadsPerCore", "1", "2"},
        {"Ipv6AddressCount", "0", "1"}, {"SpotDuration", "0", "1"}, {"FixedIp", "true", "false"},
        {"InstanceType", "ecs.c6.large", "ecs.g6.large"}, {"Cpu", "1", "2"}, {"Memory", "2", "4"},
        {"PrivateIpAddress", "192.168.0.10", "192.168.0.11"}, {"HostName", "host-a", "host-b"},
        {"EphemeralStorage", "20", "30"}, {"ImagePullPolicy", "Always", "Never"},
        {"Name", "name-a", "name-b"}, {"Image", "busybox:1", "busybox:2"}, {"Protocol", "TCP", "UDP"},
        {"Port", "80", "81"}, {"MountPath", "/m1", "/m2"}, {"SubPath", "a", "b"},
        {"MountPropagation", "HostToContainer", "Bidirectional"}, {"Scheme", "HTTP", "HTTPS"},
        {"Path", "/p1", "/p2"}, {"FieldPath", "status.podIP", ""}, {"Key", "KEY_A", "KEY_B"},
        {"Medium", "", "Memory"}, {"SizeLimit", "1Gi", "2Gi"}, {"Content", "YQ==", "Yg=="},
        {"Mode", "420", "256"}, {"DefaultMode", "420", "256"}, {"Type", "EmptyDirVolume", "ConfigFileVolume"},
        {"HostPathVolume.Type", "Directory", "File"}, {"Options", "{\"a\":\"1\"}", "{\"b\":\"2\"}"},
        {"Ip", "10.0.0.1", "10.0.0.2"}, {"NameServer.N", "10.0.0.53", "10.0.0.54"},
        {"Capability.Add.N", "NET_ADMIN", "NET_RAW"}, {"Sysctl.N.Name", "net.core.somaxconn", "kernel.shmmni"},
        {"HttpGetPath", "/a", "/b"}, {"HttpGetScheme", "HTTP", "HTTPS"},
        {"InitialDelaySeconds", "1", "2"}, {"PeriodSeconds", "1", "2"}, {"TimeoutSeconds", "1", "2"},
        {"SuccessThreshold", "1", "2"}, {"LivenessProbe.SuccessThreshold", "1", ""},
        {"ReadinessProbe.SuccessThreshold", "1", ""}, {"FlexVolume.FsType", "ext4", "xfs"},
        {"FlexVolume.Driver", "alicloud/disk", "alicloud/nas"}, {"FailureThreshold", "1", "2"}, {"Gpu", "0", "1"},
        {"TerminationGracePeriodSeconds", "1", "2"}, {"ActiveDeadlineSeconds", "1", "2"},
        {"ConfigFileToPath.N.Path", "f1", "f2"}, {"Ipv6GatewayBandwidth", "10", "20"},
        {"DiskVolume.DiskId", "d-a1", "d-b2"}};
    for (String[] e : v) VALUES.put(e[0], new String[] {e[1], e[2]});
  }

  static String[] values(String path, String type) {
    String generic = path.replaceAll("\\.\\d+(?=\\.|$)", ".N");
    String[] best = null;
    int bestLen = -1;
    for (Map.Entry<String, String[]> e : VALUES.entrySet()) {
      String k = e.getKey();
      if ((generic.equals(k) || generic.endsWith("." + k) || generic.endsWith(k) && k.contains("HttpGet"))
          && k.length() > bestLen) {
        best = e.getValue();
        bestLen = k.length();
      }
    }
    if (best != null) return best;
    return switch (type) {
      case "boolean" -> new String[] {"true", "false"};
      case "integer" -> new String[] {"1", "2"};
      case "number" -> new String[] {"1", "2"};
      default -> new String[] {"a1", "b2"};
    };
  }

  /** Sibling parameters a path needs to be valid (e.g. a probe needs a method, a volume its type). */
  static Map<String, String> companions(String path) {
    Map<String, String> m = new LinkedHashMap<>();
    if (path.startsWith("InitContainer.")) {
      m.put("InitContainer.1.Name", "init");
      m.put("InitContainer.1.Image", "busybox");
    }
    if (path.contains("VolumeMount.")) {
      m.put("Volume.1.Name", "vol");
      m.put("Volume.1.Type", "EmptyDirVolume");
      String c = path.substring(0, path.indexOf("VolumeMount."));
      m.put(c + "VolumeMount.1.Name", "vol");
      m.put(c + "VolumeMount.1.MountPath", "/m");
      if (path.endsWith("VolumeMount.1.Name")) {
        m.put("Volume.2.Name", "name-a");
        m.put("Volume.2.Type", "EmptyDirVolume");
        m.put("Volume.3.Name", "name-b");
        m.put("Volume.3.Type", "EmptyDirVolume");
      }
    }
    for (String probe : List.of("LivenessProbe.", "ReadinessProbe.")) {
      if (path.contains(probe) && !path.contains("Exec") && !path.contains("HttpGet") && !path.contains("TcpSocket")) {
        m.put(path.substring(0, path.indexOf(probe)) + probe + "TcpSocket.Port", "80");
      }
      if (path.contains(probe + "HttpGet.") && !path.endsWith("Port")) {
        m.put(path.substring(0, path.indexOf(probe)) + probe + "HttpGet.Port", "80");
      }
    }
    for (String h : List.of("LifecyclePostStartHandler", "LifecyclePreStopHandler")) {
      if (path.contains(h + "HttpGet") && !path.endsWith("HttpGetPort")) {
        m.put(path.substring(0, path.indexOf(h)) + h + "HttpGetPort", "80");
      }
      if (path.contains(h + "TcpSocketHost")) m.put(path.substring(0, path.indexOf(h)) + h + "TcpSocketPort", "80");
      if (path.contains("HttpHeader.N.Value") || path.contains("HttpHeader.1.Value")) {
        m.put(path.replace("Value", "Name"), "X-H");
      }
    }
    if (path.startsWith("Volume.")) {
      m.put("Volume.1.Name", "vol");
      String type = path.contains("EmptyDirVolume") ? "EmptyDirVolume" : path.contains("NFSVolume") ? "NFSVolume"
          : path.contains("ConfigFileVolume") ? "ConfigFileVolume" : path.contains("FlexVolume") ? "FlexVolume"
          : path.contains("HostPathVolume") ? "HostPathVolume" : path.contains("DiskVolume") ? "DiskVolume"
          : "EmptyDirVolume";
      m.put("Volume.1.Type", type);
      if (type.equals("NFSVolume")) {
        m.put("Volume.1.NFSVolume.Server", "nfs.local");
        m.put("Volume.1.NFSVolume.Path", "/export");
      }
      if (type.equals("FlexVolume")) m.put("Volume.1.FlexVolume.Driver", "alicloud/disk");
      if (type.equals("HostPathVolume")) m.put("Volume.1.HostPathVolume.Path", "/data");
      if (type.equals("DiskVolume")) m.put("Volume.1.DiskVolume.DiskId", "d-1");
      if (path.contains("ConfigFileToPath")) m.put("Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path", "file");
    }
    if (path.startsWith("Tag.") && path.endsWith("Value")) m.put("Tag.1.Key", "k");
    if (path.startsWith("ImageRegistryCredential.")) {
      m.put("ImageRegistryCredential.1.Server", "reg.local");
      m.put("ImageRegistryCredential.1.UserName", "u");
      m.put("ImageRegistryCredential.1.Password", "p");
    }
    if (path.contains("EnvironmentVar.") && !path.endsWith("Key")) m.put(path.replaceAll("EnvironmentVar\\.(\\d+)\\..*",
        "EnvironmentVar.$1.Key"), "K");
    if (path.matches(".*\\.Port\\.\\d+\\.Protocol")) m.put(path.replace("Protocol", "Port"), "80");
    if (path.startsWith("DnsConfig.Option.") && path.endsWith("Value")) m.put("DnsConfig.Option.1.Name", "ndots");
    if (path.startsWith("HostAliase.")) {
      m.put("HostAliase.1.Ip", "10.0.0.9");
      m.put("HostAliase.1.Hostname.1", "h.local");
    }
    if (path.contains("Sysctl.")) {
      String base = path.substring(0, path.indexOf("Sysctl.")) + "Sysctl.1.";
      m.put(base + "Name", "net.core.somaxconn");
      m.put(base + "Value", "1024");
    }
    if (path.startsWith("AcrRegistryInfo.")) m.put("AcrRegistryInfo.1.InstanceId", "cri-1");
    if (path.equals("SpotPriceLimit")) m.put("SpotStrategy", "SpotWithPriceLimit");
    if (path.equals("SpotDuration") || path.equals("StrictSpot")) m.put("SpotStrategy", "SpotAsPriceGo");
    if (path.startsWith("Eip") && !path.equals("EipInstanceId")) m.put("AutoCreateEip", "true");
    if (path.equals("Ipv6GatewayBandwidth")) m.put("Ipv6GatewayBandwidthEnable", "true");
    if (path.equals("FixedIpRetainHour")) m.put("FixedIp", "true");
    if (path.startsWith("DataCache") && !path.equals("DataCacheBucket")) m.put("DataCacheBucket", "bucket");
    return m;
  }

  static GroupSpec map(Map<String, String> params) {
    return CreateRequestMapper.map(new ParamReader(params), "cn-hangzhou-a");
  }

  @Test
  void everyCataloguedPathIsReadIntoTheModel() throws Exception {
    ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule());
    List<String[]> rows = catalogue("/CreateContainerGroup.params.tsv");
    assertThat(rows).hasSize(190);
    List<String> problems = new ArrayList<>();
    for (String[] row : rows) {
      String generic = row[0];
      if (REQUEST_LEVEL.contains(generic)) continue;
      String path = generic.replaceAll("\\.N(?=\\.|$)", ".1");
      String[] vals = values(generic, row[1]);
      Map<String, String> base = new LinkedHashMap<>();
      base.put("ContainerGroupName", "cat");
      base.put("Container.1.Name", "app");
      base.put("Container.1.Image", "busybox");
      base.putAll(companions(path));
      try {
        Map<String, String> a = new LinkedHashMap<>(base);
        a.put(path, vals[0]);
        Map<String, String> b = new LinkedHashMap<>(base);
        b.put(path, vals[1]);
        String specA = json.writeValueAsString(map(a));
        String specB = json.writeValueAsString(map(b));
        if (specA.equals(specB)) problems.add(generic + ": both values map to the same spec (dropped) " + vals[0] + "/" + vals[1] + " " + a);
      } catch (ApiException e) {
        problems.add(generic + ": rejected " + e.code() + " " + e.getMessage());
      }
    }
    assertThat(problems).as("catalogue paths not read into the model").isEmpty();
  }

  @Test
  void requestLevelParametersAreInTheCatalogue() throws Exception {
    List<String> paths = catalogue("/CreateContainerGroup.params.tsv").stream().map(r -> r[0]).toList();
    assertThat(paths).containsAll(REQUEST_LEVEL);
  }
}
