package dev.openeci.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What DescribeContainerGroupPrice charges, per second as ECI bills (docs/metrics.md): an
 * operator-editable JSON file ({@code serve --price-book}, example etc/price-book.json); every
 * field is optional and defaults to {@link #DEFAULT}. The defaults are ECI's public pay-as-you-go
 * list prices for vCPU and memory (CNY) and illustrative values for the rest: edit them to your own
 * costs to charge teams back.
 *
 * @param currency ISO code shown as Price.Currency
 * @param vcpuPerSecond price of one vCPU for one second
 * @param memoryGiBPerSecond price of one GiB of memory for one second
 * @param ephemeralStorageGiBPerSecond price of one GiB of EphemeralStorage beyond the free part
 * @param freeEphemeralStorageGiB EphemeralStorage included in every group
 * @param spotDiscount fraction taken off for SpotAsPriceGo/SpotWithPriceLimit (0.8 = spot costs 20 %)
 * @param gpuPerSecond price of one GPU of a type (e.g. "T4") for one second
 * @param instanceTypes instance types with a GPU or a price of their own (others are priced by vCPU/memory)
 */
public record PriceBook(String currency, BigDecimal vcpuPerSecond, BigDecimal memoryGiBPerSecond,
    BigDecimal ephemeralStorageGiBPerSecond, int freeEphemeralStorageGiB, BigDecimal spotDiscount,
    Map<String, BigDecimal> gpuPerSecond, Map<String, InstanceType> instanceTypes) {

  /**
   * An instance type of the book: vCPUs, GiB, GPUs, and optionally its own price per second (else
   * vCPU + memory + GPU prices).
   */
  public record InstanceType(double cpu, double memory, String gpuType, int gpuCount, BigDecimal pricePerSecond) {}

  public static final PriceBook DEFAULT = new PriceBook("CNY", new BigDecimal("0.000049"),
      new BigDecimal("0.00000613"), new BigDecimal("0.0000000385"), 30, new BigDecimal("0.8"),
      Map.of("T4", new BigDecimal("0.00028"), "A10", new BigDecimal("0.00049"), "V100", new BigDecimal("0.00083")),
      Map.of("ecs.gn6i-c4g1.xlarge", new InstanceType(4, 15, "T4", 1, null),
          "ecs.gn7i-c8g1.2xlarge", new InstanceType(8, 30, "A10", 1, null),
          "ecs.gn6v-c8g1.2xlarge", new InstanceType(8, 32, "V100", 1, null)));

  private static final Set<String> FIELDS = Set.of("currency", "vcpuPerSecond", "memoryGiBPerSecond",
      "ephemeralStorageGiBPerSecond", "freeEphemeralStorageGiB", "spotDiscount", "gpuPerSecond", "instanceTypes");
  private static final Set<String> TYPE_FIELDS = Set.of("cpu", "memory", "gpuType", "gpuCount", "pricePerSecond");

  public PriceBook {
    gpuPerSecond = Map.copyOf(gpuPerSecond);
    instanceTypes = Map.copyOf(instanceTypes);
    if (currency == null || currency.isBlank()) throw new IllegalArgumentException("currency must not be empty");
    nonNegative("vcpuPerSecond", vcpuPerSecond);
    nonNegative("memoryGiBPerSecond", memoryGiBPerSecond);
    nonNegative("ephemeralStorageGiBPerSecond", ephemeralStorageGiBPerSecond);
    if (freeEphemeralStorageGiB < 0) throw new IllegalArgumentException("freeEphemeralStorageGiB must be >= 0");
    if (spotDiscount.signum() < 0 || spotDiscount.compareTo(BigDecimal.ONE) > 0) {
      throw new IllegalArgumentException("spotDiscount must be between 0 and 1");
    }
    gpuPerSecond.forEach((k, v) -> nonNegative("gpuPerSecond." + k, v));
    Map<String, BigDecimal> gpus = gpuPerSecond;
    instanceTypes.forEach((k, t) -> {
      if (t.cpu() <= 0 || t.memory() <= 0) throw new IllegalArgumentException("instanceTypes." + k
          + ": cpu and memory must be > 0");
      if (t.gpuCount() < 0) throw new IllegalArgumentException("instanceTypes." + k + ".gpuCount must be >= 0");
      if (t.gpuCount() > 0 && t.pricePerSecond() == null && !gpus.containsKey(t.gpuType())) {
        throw new IllegalArgumentException("instanceTypes." + k + ": GPU type \"" + t.gpuType()
            + "\" has no price in gpuPerSecond");
      }
      if (t.pricePerSecond() != null) nonNegative("instanceTypes." + k + ".pricePerSecond", t.pricePerSecond());
    });
  }

  private static void nonNegative(String name, BigDecimal v) {
    if (v == null || v.signum() < 0) throw new IllegalArgumentException(name + " must be a number >= 0");
  }

  /** The book in {@code file}: fields given replace the defaults; an unknown field or a bad value is an error. */
  public static PriceBook load(Path file) throws IOException {
    return parse(Files.readString(file));
  }

  public static PriceBook parse(String json) throws IOException {
    JsonNode root = new ObjectMapper().readTree(json);
    if (root == null || !root.isObject()) throw new IllegalArgumentException("the price book must be a JSON object");
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) throw new IllegalArgumentException("unknown field \"" + f + "\" (allowed: " + FIELDS + ")");
    }
    PriceBook d = DEFAULT;
    Map<String, BigDecimal> gpus = new LinkedHashMap<>(d.gpuPerSecond());
    if (root.has("gpuPerSecond")) {
      gpus.clear();
      root.get("gpuPerSecond").fields().forEachRemaining(e -> gpus.put(e.getKey(), decimal("gpuPerSecond." + e.getKey(),
          e.getValue())));
    }
    Map<String, InstanceType> types = new LinkedHashMap<>(d.instanceTypes());
    if (root.has("instanceTypes")) {
      types.clear();
      root.get("instanceTypes").fields().forEachRemaining(e -> {
        JsonNode t = e.getValue();
        t.fieldNames().forEachRemaining(f -> {
          if (!TYPE_FIELDS.contains(f)) throw new IllegalArgumentException("instanceTypes." + e.getKey()
              + ": unknown field \"" + f + "\" (allowed: " + TYPE_FIELDS + ")");
        });
        types.put(e.getKey(), new InstanceType(t.path("cpu").asDouble(0), t.path("memory").asDouble(0),
            t.path("gpuType").asText(null), t.path("gpuCount").asInt(0),
            t.has("pricePerSecond") ? decimal("instanceTypes." + e.getKey() + ".pricePerSecond",
                t.get("pricePerSecond")) : null));
      });
    }
    return new PriceBook(root.has("currency") ? root.get("currency").asText() : d.currency(),
        root.has("vcpuPerSecond") ? decimal("vcpuPerSecond", root.get("vcpuPerSecond")) : d.vcpuPerSecond(),
        root.has("memoryGiBPerSecond") ? decimal("memoryGiBPerSecond", root.get("memoryGiBPerSecond"))
            : d.memoryGiBPerSecond(),
        root.has("ephemeralStorageGiBPerSecond") ? decimal("ephemeralStorageGiBPerSecond",
            root.get("ephemeralStorageGiBPerSecond")) : d.ephemeralStorageGiBPerSecond(),
        root.has("freeEphemeralStorageGiB") ? root.get("freeEphemeralStorageGiB").asInt(-1)
            : d.freeEphemeralStorageGiB(),
        root.has("spotDiscount") ? decimal("spotDiscount", root.get("spotDiscount")) : d.spotDiscount(),
        gpus, types);
  }

  private static BigDecimal decimal(String name, JsonNode v) {
    if (!v.isNumber()) throw new IllegalArgumentException(name + " must be a number");
    return v.decimalValue();
  }
}
