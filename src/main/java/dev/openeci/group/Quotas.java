package dev.openeci.group;

import dev.openeci.error.ErrorCode;
import java.util.Locale;
import java.util.Map;

/**
 * What one account may hold in one region (ListUsage's Max* values), set by the operator with
 * {@code serve --quota-*} (docs/quotas.md). A limit below 0 means unlimited. Container groups count
 * from the moment they are created until their deletion is requested (DeleteContainerGroup), whatever
 * their status: a Succeeded or Failed group still counts until it is deleted, as it still holds its
 * record and sandbox.
 *
 * @param groups container groups
 * @param cpu vCPUs, the sum of the groups' effective Cpu
 * @param memoryGiB GiB, the sum of the groups' effective Memory
 * @param gpu GPUs, the sum of the containers' Gpu
 * @param imageCaches image caches
 * @param dataCaches data caches
 */
public record Quotas(long groups, double cpu, double memoryGiB, long gpu, long imageCaches, long dataCaches) {

  /** Defaults of the {@code serve --quota-*} flags: generous for one host, a guard against runaway creates. */
  public static final Quotas DEFAULT = new Quotas(1000, 2000, 8192, 64, 100, 100);
  /** No limits (embedded servers and unit tests that do not test quotas). */
  public static final Quotas UNLIMITED = new Quotas(-1, -1, -1, -1, -1, -1);

  /** Environment names the command line passes the {@code --quota-*} flags in (as for other settings). */
  public static final String GROUPS_ENV = "OPENECI_QUOTA_GROUPS";
  public static final String CPU_ENV = "OPENECI_QUOTA_CPU";
  public static final String MEMORY_ENV = "OPENECI_QUOTA_MEMORY";
  public static final String GPU_ENV = "OPENECI_QUOTA_GPU";
  public static final String IMAGE_CACHES_ENV = "OPENECI_QUOTA_IMAGE_CACHES";
  public static final String DATA_CACHES_ENV = "OPENECI_QUOTA_DATA_CACHES";

  /** The quotas named in {@code env}, the defaults for those not named. */
  public static Quotas fromEnv(Map<String, String> env) {
    return new Quotas(
        (long) number(env, GROUPS_ENV, DEFAULT.groups),
        number(env, CPU_ENV, DEFAULT.cpu),
        number(env, MEMORY_ENV, DEFAULT.memoryGiB),
        (long) number(env, GPU_ENV, DEFAULT.gpu),
        (long) number(env, IMAGE_CACHES_ENV, DEFAULT.imageCaches),
        (long) number(env, DATA_CACHES_ENV, DEFAULT.dataCaches));
  }

  private static double number(Map<String, String> env, String name, double fallback) {
    String v = env.get(name);
    if (v == null || v.isBlank()) return fallback;
    try {
      double d = Double.parseDouble(v.trim());
      if (Double.isNaN(d) || Double.isInfinite(d)) throw new NumberFormatException();
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number (below 0 = unlimited), not \"" + v + "\"");
    }
  }

  /** What an account uses in a region (ListUsage's Used* values). */
  public record Usage(long groups, double cpu, double memoryGiB, long gpu) {
    public static final Usage NONE = new Usage(0, 0, 0, 0);

    public Usage plus(GroupSpec spec) {
      return new Usage(groups + 1, round(cpu + spec.cpu()), round(memoryGiB + spec.memory()), gpu + gpus(spec));
    }

    /** Sums keep 3 decimals (0.25 vCPU steps never drift into 0.30000000000000004). */
    private static double round(double d) {
      return Math.round(d * 1000) / 1000.0;
    }
  }

  /** GPUs a group asks for: the sum of its containers' Gpu. */
  public static long gpus(GroupSpec spec) {
    long n = 0;
    for (ContainerSpec c : spec.containers()) n += c.gpu() == null ? 0 : c.gpu();
    for (ContainerSpec c : spec.initContainers()) n = Math.max(n, c.gpu() == null ? 0 : c.gpu());
    return n;
  }

  /** Usage of the groups given: the caller passes the account's groups in the region, not being deleted. */
  public static Usage usage(Iterable<ContainerGroup> groups) {
    Usage u = Usage.NONE;
    for (ContainerGroup g : groups) u = u.plus(g.spec());
    return u;
  }

  /**
   * Refuses ({@code QuotaExceeded}) a change from {@code before} to {@code after} that takes a dimension
   * beyond its quota. A dimension that does not grow is never refused, so lowering a quota below what an
   * account already uses blocks new resources but not updates that keep or shrink what it asks for.
   */
  public void check(Usage before, Usage after) {
    exceeds("container group", groups, before.groups(), after.groups(), "");
    exceeds("vCPU", cpu, before.cpu(), after.cpu(), " vCPU");
    exceeds("memory", memoryGiB, before.memoryGiB(), after.memoryGiB(), " GiB");
    exceeds("GPU", gpu, before.gpu(), after.gpu(), " GPU");
  }

  /** Refuses a new image cache when the account already holds {@code used} of them. */
  public void checkImageCaches(long used) {
    exceeds("image cache", imageCaches, used, used + 1, "");
  }

  /** Refuses a new data cache when the account already holds {@code used} of them (the data cache service calls it). */
  public void checkDataCaches(long used) {
    exceeds("data cache", dataCaches, used, used + 1, "");
  }

  private static void exceeds(String what, double limit, double before, double after, String unit) {
    if (limit < 0 || after <= before || after <= limit + 1e-9) return;
    throw ErrorCode.QUOTA_EXCEEDED.withMessage("The " + what + " quota exceeded: this request needs "
        + fmt(after) + unit + " of at most " + fmt(limit) + unit + " for the account in this region (it uses "
        + fmt(before) + unit + ").");
  }

  static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.3f", d).replaceAll("0+$", "");
  }
}
