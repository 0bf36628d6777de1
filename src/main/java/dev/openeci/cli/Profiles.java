package dev.openeci.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;

/**
 * Where the CLI finds its endpoint, AccessKey and region, first match wins per field:
 * an explicit {@code --profile}; else the environment ({@code OPENECI_ENDPOINT},
 * {@code OPENECI_ACCESS_KEY_ID}/{@code _SECRET}, {@code OPENECI_REGION}); else the config file's
 * profile ({@code OPENECI_PROFILE} or {@code default}); else, for the key, the admin credentials
 * of a local server ({@code <data-dir>/admin-credentials}); else 127.0.0.1:8080 and cn-hangzhou.
 *
 * <p>The config file is {@code $OPENECI_CONFIG}, else {@code $XDG_CONFIG_HOME/openeci/config.json},
 * else {@code ~/.config/openeci/config.json}: {@code {"profiles":{"default":{"endpoint":..,
 * "accessKeyId":..,"accessKeySecret":..,"region":..}}}}, written 0600 by {@code openeci configure}.
 */
public final class Profiles {
  public static final String DEFAULT_ENDPOINT = "127.0.0.1:8080";
  public static final String DEFAULT_REGION = "cn-hangzhou";

  public record Profile(String endpoint, String accessKeyId, String accessKeySecret, String region) {}

  private Profiles() {}

  public static Path configFile(Map<String, String> env) {
    String explicit = env.get("OPENECI_CONFIG");
    if (explicit != null && !explicit.isEmpty()) return Path.of(explicit);
    String xdg = env.get("XDG_CONFIG_HOME");
    Path dir = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
    return dir.resolve("openeci").resolve("config.json");
  }

  static ObjectNode read(Path file) {
    if (!Files.exists(file)) return EciClient.JSON.createObjectNode();
    try {
      JsonNode n = EciClient.JSON.readTree(file.toFile());
      if (n instanceof ObjectNode o) return o;
      throw new CliException(2, file + " is not a JSON object");
    } catch (IOException e) {
      throw new CliException(2, "cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Resolves the profile; {@code explicitProfile} null = none asked for on the command line. */
  public static Profile resolve(Map<String, String> env, String explicitProfile, String endpointFlag,
      String regionFlag, Path dataDir) {
    Path file = configFile(env);
    ObjectNode cfg = read(file);
    String name = explicitProfile != null ? explicitProfile : env.getOrDefault("OPENECI_PROFILE", "default");
    JsonNode p = cfg.path("profiles").path(name);
    if (explicitProfile != null && p.isMissingNode()) {
      throw new CliException(2, "no profile \"" + explicitProfile + "\" in " + file + " (create it with `openeci configure"
          + " --profile " + explicitProfile + "`)");
    }
    boolean fileFirst = explicitProfile != null;
    String endpoint = pick(endpointFlag, fileFirst, text(p, "endpoint"), env.get("OPENECI_ENDPOINT"));
    String region = pick(regionFlag, fileFirst, text(p, "region"), env.get("OPENECI_REGION"));
    String envId = env.get("OPENECI_ACCESS_KEY_ID");
    String envSecret = env.get("OPENECI_ACCESS_KEY_SECRET");
    String fileId = text(p, "accessKeyId");
    String fileSecret = text(p, "accessKeySecret");
    String id;
    String secret;
    if (fileFirst && fileId != null) {
      id = fileId;
      secret = fileSecret;
    } else if (envId != null && !envId.isEmpty()) {
      id = envId;
      secret = envSecret;
    } else {
      id = fileId;
      secret = fileSecret;
    }
    if (id == null || secret == null) {
      Path dir = dataDir != null ? dataDir : dev.openeci.config.ServerConfig.defaultDataDir();
      Path creds = dir.resolve(dev.openeci.server.Bootstrap.CREDENTIALS_FILE);
      Properties props = new Properties();
      try (var in = Files.newBufferedReader(creds)) {
        props.load(in);
        id = props.getProperty("OPENECI_ACCESS_KEY_ID");
        secret = props.getProperty("OPENECI_ACCESS_KEY_SECRET");
      } catch (IOException e) {
        throw new CliException(2, "no AccessKey: set OPENECI_ACCESS_KEY_ID and OPENECI_ACCESS_KEY_SECRET, run `openeci"
            + " configure`, or run where " + creds + " is readable");
      }
    }
    return new Profile(endpoint == null ? DEFAULT_ENDPOINT : endpoint, id, secret,
        region == null ? DEFAULT_REGION : region);
  }

  private static String pick(String flag, boolean fileFirst, String fromFile, String fromEnv) {
    if (flag != null && !flag.isEmpty()) return flag;
    if (fileFirst && fromFile != null) return fromFile;
    if (fromEnv != null && !fromEnv.isEmpty()) return fromEnv;
    return fromFile;
  }

  private static String text(JsonNode p, String field) {
    JsonNode v = p.path(field);
    return v.isTextual() && !v.asText().isEmpty() ? v.asText() : null;
  }

  /** Writes (or replaces) one profile; the file is created 0600 and stays 0600. */
  public static Path write(Map<String, String> env, String name, Profile profile) throws IOException {
    Path file = configFile(env);
    ObjectNode cfg = read(file);
    ObjectNode profiles = cfg.has("profiles") && cfg.get("profiles").isObject() ? (ObjectNode) cfg.get("profiles")
        : cfg.putObject("profiles");
    ObjectNode p = profiles.putObject(name);
    p.put("endpoint", profile.endpoint());
    p.put("accessKeyId", profile.accessKeyId());
    p.put("accessKeySecret", profile.accessKeySecret());
    p.put("region", profile.region());
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, EciClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg) + "\n");
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return file;
  }
}
