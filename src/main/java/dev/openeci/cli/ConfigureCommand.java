package dev.openeci.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code configure}: writes a profile (endpoint, AccessKey, region) to the config file, mode 0600. */
@Command(name = "configure", description = {"Save an endpoint, AccessKey and region as a profile.",
    "The file is ~/.config/openeci/config.json (mode 0600; env OPENECI_CONFIG names another); values not given"
        + " are asked for on a terminal."})
final class ConfigureCommand implements Callable<Integer> {
  @Option(names = "--profile", defaultValue = "default", description = "Profile name (default ${DEFAULT-VALUE})")
  String profile;

  @Option(names = "--endpoint", description = "HOST:PORT or http(s)://HOST:PORT")
  String endpoint;

  @Option(names = "--access-key-id", description = "AccessKey id")
  String accessKeyId;

  @Option(names = "--access-key-secret", description = "AccessKey secret (omit it to be asked without echo)")
  String accessKeySecret;

  @Option(names = "--region", description = "RegionId (default cn-hangzhou)")
  String region;

  @Override
  public Integer call() {
    Console console = System.console();
    try {
      endpoint = ask(console, "Endpoint", endpoint, Profiles.DEFAULT_ENDPOINT, false);
      accessKeyId = ask(console, "AccessKey id", accessKeyId, null, false);
      accessKeySecret = ask(console, "AccessKey secret", accessKeySecret, null, true);
      region = ask(console, "Region", region, Profiles.DEFAULT_REGION, false);
      Path file = Profiles.write(System.getenv(), profile, new Profiles.Profile(endpoint, accessKeyId, accessKeySecret,
          region));
      System.out.println("profile \"" + profile + "\" saved in " + file);
      return 0;
    } catch (CliException e) {
      System.err.println("openeci: " + e.getMessage());
      return e.exitCode;
    } catch (IOException e) {
      System.err.println("openeci: cannot write the config file: " + e.getMessage());
      return 1;
    }
  }

  private static String ask(Console console, String what, String given, String dflt, boolean secret) {
    if (given != null && !given.isEmpty()) return given;
    if (console == null) {
      if (dflt != null) return dflt;
      throw new CliException(2, "configure: give --" + what.toLowerCase(java.util.Locale.ROOT).replace(' ', '-')
          .replace("accesskey", "access-key") + " (no terminal to ask on)");
    }
    String v = secret ? new String(console.readPassword("%s: ", what))
        : console.readLine("%s%s: ", what, dflt == null ? "" : " [" + dflt + "]");
    if (v == null || v.isBlank()) {
      if (dflt != null) return dflt;
      throw new CliException(2, "configure: " + what + " is required");
    }
    return v.trim();
  }
}
