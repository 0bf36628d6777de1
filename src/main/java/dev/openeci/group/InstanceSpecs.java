package dev.openeci.group;

import java.util.List;

/**
 * ECI's vCPU/memory table (docs/limits: help.aliyun.com/document_detail/114662.html, main table
 * valid in all regions). A requested pair that is not in the table is rounded up to the smallest
 * spec with at least that many vCPUs and that much memory, as ECI does; nothing fitting is an error.
 */
public final class InstanceSpecs {
  public record Spec(double cpu, double memory) {}

  public static final List<Spec> ALL = build();

  private InstanceSpecs() {}

  private static List<Spec> build() {
    double[][] table = {
        {0.25, 0.5, 1}, {0.5, 1, 2}, {1, 2, 4, 8}, {2, 1, 2, 4, 8, 16}, {4, 2, 4, 8, 16, 32},
        {8, 4, 8, 16, 32, 64}, {12, 12, 24, 48, 96}, {16, 16, 32, 64, 128}, {24, 24, 48, 96, 192},
        {32, 32, 64, 128, 256}, {52, 96, 192, 384}, {64, 128, 256, 512}};
    java.util.ArrayList<Spec> out = new java.util.ArrayList<>();
    for (double[] row : table) {
      for (int i = 1; i < row.length; i++) out.add(new Spec(row[0], row[i]));
    }
    return List.copyOf(out);
  }

  /**
   * vCPU/memory of an ECS instance type ({@code ecs.<family>.<size>}; several types may be given
   * comma-separated, the first known one wins): sizes large=2 ... 16xlarge=64 vCPUs, memory per vCPU
   * by family class c=2, g=4, r=8 GiB (t/u/e burstable and universal families count as g).
   */
  public static Spec ofInstanceType(String types) {
    for (String t : types.split(",")) {
      String[] parts = t.trim().split("\\.");
      if (parts.length != 3 || !parts[0].equals("ecs")) continue;
      char cls = parts[1].isEmpty() ? '?' : parts[1].charAt(0);
      int ratio = switch (cls) {
        case 'c' -> 2;
        case 'g', 't', 'u', 'e', 'h' -> 4;
        case 'r' -> 8;
        default -> 0;
      };
      Integer cpus = switch (parts[2]) {
        case "large" -> 2;
        case "xlarge" -> 4;
        case "2xlarge" -> 8;
        case "3xlarge" -> 12;
        case "4xlarge" -> 16;
        case "6xlarge" -> 24;
        case "8xlarge" -> 32;
        case "16xlarge" -> 64;
        default -> null;
      };
      if (ratio > 0 && cpus != null) return new Spec(cpus, (double) cpus * ratio);
    }
    return null;
  }

  /** The smallest spec covering the request (by vCPU, then memory), or null when none does. */
  public static Spec roundUp(double cpu, double memory) {
    Spec best = null;
    for (Spec s : ALL) {
      if (s.cpu() + 1e-9 >= cpu && s.memory() + 1e-9 >= memory) {
        if (best == null || s.cpu() < best.cpu() || (s.cpu() == best.cpu() && s.memory() < best.memory())) best = s;
      }
    }
    return best;
  }
}
