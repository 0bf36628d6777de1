package dev.openeci.group;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Kubernetes-style size quantities ("64Mi", "1Gi", "500M", "1024"), as EmptyDir SizeLimit takes them. */
public final class Quantities {
  private Quantities() {}

  private static final String[][] UNITS = {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"},
      {"Ti", "1099511627776"}, {"K", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}};

  /**
   * The quantity in bytes, rounded up. Throws {@link ArithmeticException} when it does not fit in a
   * long and {@link NumberFormatException} when it is not a number with an optional unit.
   */
  public static long bytes(String quantity) {
    String q = quantity.trim();
    for (String[] u : UNITS) {
      if (q.endsWith(u[0])) {
        return new BigDecimal(q.substring(0, q.length() - u[0].length())).multiply(new BigDecimal(u[1]))
            .setScale(0, RoundingMode.CEILING).longValueExact();
      }
    }
    return new BigDecimal(q).setScale(0, RoundingMode.CEILING).longValueExact();
  }
}
