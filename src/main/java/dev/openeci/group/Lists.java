package dev.openeci.group;

import java.util.List;
import java.util.Map;

/** Null-tolerant immutable copies (older stored specs lack newer fields). */
final class Lists {
  private Lists() {}

  static <T> List<T> copy(List<T> l) {
    return l == null ? List.of() : List.copyOf(l);
  }

  static <K, V> Map<K, V> copy(Map<K, V> m) {
    return m == null ? Map.of() : Map.copyOf(m);
  }
}
