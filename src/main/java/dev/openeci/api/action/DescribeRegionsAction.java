package dev.openeci.api.action;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** DescribeRegions: the regions this server serves, each with its zone; the endpoint is this server. */
public final class DescribeRegionsAction implements ActionHandler {
  private final List<String> regions;
  private final Function<String, String> zoneOf;
  private final String endpoint;

  public DescribeRegionsAction(List<String> regions, Function<String, String> zoneOf, String endpoint) {
    this.regions = List.copyOf(regions);
    this.zoneOf = zoneOf;
    this.endpoint = endpoint;
  }

  @Override
  public String action() {
    return "DescribeRegions";
  }

  @Override
  public Object handle(ActionContext ctx) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String r : regions) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("RegionId", r);
      m.put("RegionEndpoint", endpoint);
      m.put("Zones", List.of(zoneOf.apply(r)));
      m.put("RecommendZones", List.of(zoneOf.apply(r)));
      out.add(m);
    }
    return Map.of("Regions", out);
  }
}
