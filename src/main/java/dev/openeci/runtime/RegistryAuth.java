package dev.openeci.runtime;

/** Credentials for one registry server. {@link #toString()} never shows the password. */
public record RegistryAuth(String server, String username, String password) {
  @Override
  public String toString() {
    return "RegistryAuth[server=" + server + ", username=" + username + ", password=***]";
  }
}
