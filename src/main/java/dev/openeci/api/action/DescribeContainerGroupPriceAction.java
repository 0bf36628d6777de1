package dev.openeci.api.action;

import dev.openeci.api.rpc.ParamReader;
import dev.openeci.error.ErrorCode;
import dev.openeci.group.InstanceSpecs;
import dev.openeci.metrics.PriceBook;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * DescribeContainerGroupPrice from the operator's {@link PriceBook} (docs/metrics.md): the price of
 * one second of a group with Cpu/Memory (rounded up to ECI's specification table, as
 * CreateContainerGroup does) or of an InstanceType (Cpu/Memory then ignored, as ECI documents),
 * plus EphemeralStorage beyond the free part; spot strategies take the book's spot discount.
 * Prices have 8 decimals; SpotPrices are per hour (the unit of SpotPriceLimit).
 */
public final class DescribeContainerGroupPriceAction implements ActionHandler {
  static final int RULE_SPOT = 1;
  static final int RULE_FREE_STORAGE = 2;
  private static final int SCALE = 8;

  private final PriceBook book;
  private final Function<String, String> zoneOf;

  public DescribeContainerGroupPriceAction(PriceBook book, Function<String, String> zoneOf) {
    this.book = book;
    this.zoneOf = zoneOf;
  }

  @Override
  public String action() {
    return "DescribeContainerGroupPrice";
  }

  @Override
  public Object handle(ActionContext ctx) {
    String zone = GroupQuery.empty(ctx.params().string("ZoneId"));
    return Map.of("PriceInfo", quote(ctx.params(), book, zone != null ? zone : zoneOf.apply(ctx.regionId())));
  }

  /** What is priced: vCPUs, GiB, GPUs; {@code type} is the instance type or null. */
  record Shape(String type, double cpu, double memory, String gpuType, int gpuCount, BigDecimal ownPrice) {}

  static Shape shape(ParamReader p, PriceBook book) {
    String type = GroupQuery.empty(p.string("InstanceType"));
    if (type != null) {
      for (String one : type.split(",")) {
        PriceBook.InstanceType t = book.instanceTypes().get(one.trim());
        if (t != null) return new Shape(one.trim(), t.cpu(), t.memory(), t.gpuType(), t.gpuCount(), t.pricePerSecond());
      }
      InstanceSpecs.Spec s = InstanceSpecs.ofInstanceType(type);
      if (s == null) {
        throw ErrorCode.invalid("InstanceType", "\"" + type + "\" is neither in the price book nor an ECS instance"
            + " type openeci knows (ecs.<family>.<size>, families c/g/r/t/u/e, sizes large..16xlarge)");
      }
      return new Shape(type.split(",")[0].trim(), s.cpu(), s.memory(), null, 0, null);
    }
    Double cpu = p.decimal("Cpu");
    Double memory = p.decimal("Memory");
    if (cpu == null) throw ErrorCode.missing("Cpu");
    if (memory == null) throw ErrorCode.missing("Memory");
    if (cpu <= 0 || memory <= 0) {
      throw ErrorCode.CPU_MEMORY.withMessage("The specified cpu and memory are not allowed: Cpu=" + cpu
          + ", Memory=" + memory);
    }
    InstanceSpecs.Spec s = InstanceSpecs.roundUp(cpu, memory);
    if (s == null) {
      throw ErrorCode.CPU_MEMORY.withMessage("The specified cpu and memory are not allowed: Cpu=" + cpu
          + ", Memory=" + memory + " exceeds every available specification");
    }
    return new Shape(null, s.cpu(), s.memory(), null, 0, null);
  }

  static Map<String, Object> quote(ParamReader p, PriceBook book, String zoneId) {
    Shape shape = shape(p, book);
    String spot = GroupQuery.empty(p.string("SpotStrategy"));
    if (spot == null) spot = "NoSpot";
    if (!List.of("NoSpot", "SpotAsPriceGo", "SpotWithPriceLimit").contains(spot)) {
      throw ErrorCode.invalid("SpotStrategy", "must be NoSpot, SpotAsPriceGo or SpotWithPriceLimit");
    }
    Double limit = p.decimal("SpotPriceLimit");
    if (limit != null && limit < 0) throw ErrorCode.invalid("SpotPriceLimit", "must be >= 0");
    if (spot.equals("SpotWithPriceLimit") && limit == null) throw ErrorCode.missing("SpotPriceLimit");
    Integer duration = p.integer("SpotDuration");
    if (duration != null && duration != 0 && duration != 1) {
      throw ErrorCode.invalid("SpotDuration", "must be 0 or 1 (hours of protection)");
    }
    Integer storage = p.integer("EphemeralStorage");
    if (storage != null && storage < 0) throw ErrorCode.invalid("EphemeralStorage", "must be >= 0 (GiB)");
    boolean isSpot = !spot.equals("NoSpot");

    List<Map<String, Object>> rules = new ArrayList<>();
    if (isSpot) {
      rules.add(rule(RULE_SPOT, "Spot instance: " + book.spotDiscount().movePointRight(2).stripTrailingZeros()
          .toPlainString() + "% off the pay-as-you-go price"));
    }
    List<Map<String, Object>> details = new ArrayList<>();
    BigDecimal original = BigDecimal.ZERO;
    BigDecimal discount = BigDecimal.ZERO;
    List<Object[]> parts = new ArrayList<>(); // resource, price, rules
    if (shape.ownPrice() != null) {
      parts.add(new Object[] {"InstanceType", shape.ownPrice(), List.<Map<String, Object>>of()});
    } else {
      parts.add(new Object[] {"CPU", book.vcpuPerSecond().multiply(BigDecimal.valueOf(shape.cpu())), List.of()});
      parts.add(new Object[] {"Memory", book.memoryGiBPerSecond().multiply(BigDecimal.valueOf(shape.memory())),
          List.of()});
      if (shape.gpuCount() > 0) {
        parts.add(new Object[] {"GPU", book.gpuPerSecond().get(shape.gpuType())
            .multiply(BigDecimal.valueOf(shape.gpuCount())), List.of()});
      }
    }
    if (storage != null && storage > 0) {
      int charged = Math.max(0, storage - book.freeEphemeralStorageGiB());
      List<Map<String, Object>> storageRules = List.of(rule(RULE_FREE_STORAGE, "The first "
          + book.freeEphemeralStorageGiB() + " GiB of ephemeral storage are free"));
      if (book.freeEphemeralStorageGiB() > 0) rules.add(storageRules.get(0));
      parts.add(new Object[] {"EphemeralStorage",
          book.ephemeralStorageGiBPerSecond().multiply(BigDecimal.valueOf(charged)), storageRules});
    }
    for (Object[] part : parts) {
      BigDecimal o = ((BigDecimal) part[1]).setScale(SCALE, RoundingMode.HALF_UP);
      BigDecimal d = isSpot ? o.multiply(book.spotDiscount()).setScale(SCALE, RoundingMode.HALF_UP)
          : BigDecimal.ZERO.setScale(SCALE);
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> partRules = new ArrayList<>((List<Map<String, Object>>) part[2]);
      if (isSpot) partRules.add(0, rules.get(0));
      Map<String, Object> di = new LinkedHashMap<>();
      di.put("Resource", part[0]);
      di.put("OriginalPrice", o);
      di.put("DiscountPrice", d);
      di.put("TradePrice", o.subtract(d));
      di.put("Rules", Map.of("Rule", partRules));
      details.add(di);
      original = original.add(o);
      discount = discount.add(d);
    }
    Map<String, Object> price = new LinkedHashMap<>();
    price.put("Currency", book.currency());
    price.put("OriginalPrice", original);
    price.put("DiscountPrice", discount);
    price.put("TradePrice", original.subtract(discount));
    price.put("DetailInfos", Map.of("DetailInfo", details));
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("Price", price);
    info.put("Rules", Map.of("Rule", rules));
    List<Map<String, Object>> spotPrices = new ArrayList<>();
    if (isSpot) {
      BigDecimal hour = BigDecimal.valueOf(3600);
      Map<String, Object> sp = new LinkedHashMap<>();
      sp.put("InstanceType", shape.type() != null ? shape.type() : spec(shape));
      sp.put("ZoneId", zoneId);
      sp.put("OriginPrice", original.multiply(hour).setScale(SCALE, RoundingMode.HALF_UP));
      sp.put("SpotPrice", original.subtract(discount).multiply(hour).setScale(SCALE, RoundingMode.HALF_UP));
      spotPrices.add(sp);
    }
    info.put("SpotPrices", Map.of("SpotPrice", spotPrices));
    return info;
  }

  /** A vCPU/memory specification as openeci names it: {@code <vCPU>vCPU-<GiB>GiB}, e.g. {@code 2vCPU-4GiB}. */
  static String spec(Shape s) {
    return num(s.cpu()) + "vCPU-" + num(s.memory()) + "GiB";
  }

  static String num(double d) {
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }

  private static Map<String, Object> rule(int id, String description) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("RuleId", id);
    r.put("Description", description);
    return r;
  }
}
