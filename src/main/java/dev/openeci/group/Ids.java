package dev.openeci.group;

import java.security.SecureRandom;

/** Container group ids like ECI's: {@code eci-} + 20 lower-case letters and digits. */
public final class Ids {
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static String newGroupId() {
    StringBuilder b = new StringBuilder("eci-");
    for (int i = 0; i < 20; i++) b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    return b.toString();
  }

  /** Image cache ids like ECI's: {@code imc-} + 20 lower-case letters and digits. */
  public static String newImageCacheId() {
    return "imc-" + newGroupId().substring(4);
  }

  /** CommitContainer task ids like ECI's: {@code t-} + 20 lower-case letters and digits. */
  public static String newTaskId() {
    return "t-" + newGroupId().substring(4);
  }
}
