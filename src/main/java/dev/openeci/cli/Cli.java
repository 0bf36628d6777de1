package dev.openeci.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The API client commands of {@code openeci} (docs/cli.md). {@link #install} adds them to the
 * root command line, gives every command (also serve/accesskey) {@code -h/--help}, and keeps the
 * exec command's COMMAND verbatim (options after GROUP CONTAINER belong to the remote command).
 */
public final class Cli {
  private Cli() {}

  /** Every CLI subcommand, in the order {@code openeci --help} lists them. */
  static final List<Object> COMMANDS = List.of(new ConfigureCommand(), new GroupCommands.Run(),
      new GroupCommands.Ps(), new GroupCommands.Describe(), new WatchCommands.Logs(), new WatchCommands.Events(),
      new ExecCommand(), new GroupCommands.Rm(), new GroupCommands.Restart(), new GroupCommands.Update(),
      new MiscCommands.Top(), new MiscCommands.Images(), new MiscCommands.Caches());

  public static CommandLine install(CommandLine root) {
    if (root.getSubcommands().containsKey("exec")) root.getCommandSpec().removeSubcommand("exec");
    for (Object c : COMMANDS) root.addSubcommand(c);
    helpEverywhere(root);
    root.getSubcommands().get("exec").setStopAtPositional(true);
    return root;
  }

  private static void helpEverywhere(CommandLine cl) {
    if (!cl.getCommandSpec().mixinStandardHelpOptions()) cl.getCommandSpec().mixinStandardHelpOptions(true);
    for (CommandLine sub : cl.getSubcommands().values()) helpEverywhere(sub);
  }

  /** Where and as whom: the connection options every API command has. */
  public static final class ClientOptions {
    @Option(names = "--endpoint", description = "openeci API, HOST:PORT or http(s)://HOST:PORT (env OPENECI_ENDPOINT;"
        + " default: the profile's, else 127.0.0.1:8080)")
    String endpoint;

    @Option(names = "--region", description = "RegionId (env OPENECI_REGION; default: the profile's, else cn-hangzhou)")
    String region;

    @Option(names = "--profile", description = "Profile of the config file (~/.config/openeci/config.json; env"
        + " OPENECI_PROFILE; default \"default\")")
    String profile;

    @Option(names = "--data-dir", description = "A local server's data directory: its admin-credentials are used when"
        + " no AccessKey is configured")
    Path dataDir;

    EciClient client() {
      Profiles.Profile p = Profiles.resolve(System.getenv(), profile, endpoint, region, dataDir);
      return new EciClient(p.endpoint(), p.region(), p.accessKeyId(), p.accessKeySecret());
    }
  }

  /** {@code -o table|json|yaml} of the read commands. */
  public static final class OutputOption {
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or yaml (default"
        + " ${DEFAULT-VALUE}; json/yaml print the API's response)")
    Output.Format format = Output.Format.table;
  }

  /** A command that calls the API: errors become one line on stderr and exit code 1 (2 for usage). */
  abstract static class Base implements Callable<Integer> {
    @Mixin
    ClientOptions connection;

    final PrintStream out = System.out;
    final PrintStream err = System.err;
    private EciClient client;

    EciClient client() {
      if (client == null) client = connection.client();
      return client;
    }

    @Override
    public final Integer call() {
      try {
        return run();
      } catch (EciClient.ApiException e) {
        err.println("openeci: " + e.code + ": " + e.getMessage()
            + (e.requestId == null || e.requestId.isEmpty() ? "" : " (RequestId " + e.requestId + ")"));
        return 1;
      } catch (CliException e) {
        err.println("openeci: " + e.getMessage());
        return e.exitCode;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 130;
      } catch (IOException e) {
        err.println("openeci: " + e.getMessage());
        return 1;
      }
    }

    abstract int run() throws EciClient.ApiException, IOException, InterruptedException;

    JsonNode call(String action, Map<String, String> params)
        throws EciClient.ApiException, IOException, InterruptedException {
      return client().call(action, params);
    }

    /** A group by id, else by name (exactly one); CliException when none or several. */
    JsonNode group(String idOrName) throws EciClient.ApiException, IOException, InterruptedException {
      JsonNode byId = call("DescribeContainerGroups", Map.of("ContainerGroupIds", jsonArray(List.of(idOrName))))
          .path("ContainerGroups");
      if (byId.size() > 0) return byId.get(0);
      List<JsonNode> byName = groups(Map.of("ContainerGroupName", idOrName));
      if (byName.size() == 1) return byName.get(0);
      if (byName.isEmpty()) throw new CliException(1, "no container group \"" + idOrName + "\" (by id or name)");
      throw new CliException(1, byName.size() + " container groups are named \"" + idOrName + "\": give the id");
    }

    /** Every group matching the filters, all pages. */
    List<JsonNode> groups(Map<String, String> filters) throws EciClient.ApiException, IOException, InterruptedException {
      List<JsonNode> all = new ArrayList<>();
      String token = "";
      do {
        Map<String, String> p = new LinkedHashMap<>(filters);
        p.put("Limit", "20");
        if (!token.isEmpty()) p.put("NextToken", token);
        JsonNode r = call("DescribeContainerGroups", p);
        r.path("ContainerGroups").forEach(all::add);
        token = r.path("NextToken").asText("");
      } while (!token.isEmpty());
      return all;
    }

    /** The container named, else the group's only container. */
    static String container(JsonNode group, String name) {
      List<String> names = new ArrayList<>();
      group.path("Containers").forEach(c -> names.add(c.path("Name").asText()));
      if (name != null) {
        if (!names.contains(name)) {
          group.path("InitContainers").forEach(c -> names.add(c.path("Name").asText()));
          if (!names.contains(name)) {
            throw new CliException(1, "group " + group.path("ContainerGroupId").asText() + " has no container \"" + name
                + "\" (it has " + String.join(", ", names) + ")");
          }
        }
        return name;
      }
      if (names.size() == 1) return names.get(0);
      throw new CliException(2, "group " + group.path("ContainerGroupId").asText() + " has " + names.size()
          + " containers (" + String.join(", ", names) + "): name one");
    }

    void print(JsonNode raw, Output.Format format, Output.Table table) {
      out.print(format == Output.Format.table ? table.toString() : Output.render(raw, format));
      out.flush();
    }
  }

  static String jsonArray(List<String> items) {
    try {
      return EciClient.JSON.writeValueAsString(items);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code K=V} pairs of repeatable options. */
  static String[] keyValue(String option, String kv) {
    int eq = kv.indexOf('=');
    if (eq <= 0) throw new CliException(2, option + " wants KEY=VALUE, got \"" + kv + "\"");
    return new String[] {kv.substring(0, eq), kv.substring(eq + 1)};
  }
}
