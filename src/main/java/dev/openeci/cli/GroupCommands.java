package dev.openeci.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** run, ps, describe, rm, restart, update. */
final class GroupCommands {
  private GroupCommands() {}

  /** The flags run and update share: they set CreateContainerGroup parameters. */
  static final class SpecFlags {
    @Option(names = {"-f", "--file"}, description = "YAML or JSON file of CreateContainerGroup parameters, ECI's"
        + " flattened (Container.1.Name: web) or nested (Container: [{Name: web}]) form; flags below override it")
    Path file;

    @Option(names = "--cpu", description = "Cpu (vCPU) of the group")
    String cpu;

    @Option(names = "--memory", description = "Memory (GiB) of the group")
    String memory;

    @Option(names = "--restart-policy", description = "Always, OnFailure or Never")
    String restartPolicy;

    @Option(names = "--image", description = "Image of the container")
    String image;

    @Option(names = "--env", paramLabel = "KEY=VALUE", description = "Environment variable of the container (repeatable)")
    List<String> env = new ArrayList<>();

    @Option(names = "--port", paramLabel = "PORT[/PROTOCOL]", description = "Port of the container, e.g. 80 or"
        + " 53/UDP (repeatable)")
    List<String> ports = new ArrayList<>();

    @Option(names = {"-c", "--command"}, paramLabel = "WORD", description = "One word of the container's Command"
        + " (repeatable; or give the command after --)")
    List<String> command = new ArrayList<>();

    @Option(names = "--arg", paramLabel = "ARG", description = "One Arg of the container (repeatable)")
    List<String> args = new ArrayList<>();

    @Option(names = "--tag", paramLabel = "KEY=VALUE", description = "Tag of the group (repeatable)")
    List<String> tags = new ArrayList<>();

    boolean containerFlags(List<String> trailing) {
      return image != null || !env.isEmpty() || !ports.isEmpty() || !command.isEmpty() || !args.isEmpty()
          || trailing != null && !trailing.isEmpty();
    }

    /** The file's parameters with the flags applied to the group and to container {@code n}. */
    Map<String, String> apply(Map<String, String> p, String containerPrefix, List<String> trailing) {
      put(p, "Cpu", cpu);
      put(p, "Memory", memory);
      put(p, "RestartPolicy", restartPolicy);
      if (!tags.isEmpty()) {
        p.keySet().removeIf(k -> k.startsWith("Tag."));
        int i = 1;
        for (String t : tags) {
          String[] kv = Cli.keyValue("--tag", t);
          p.put("Tag." + i + ".Key", kv[0]);
          p.put("Tag." + i + ".Value", kv[1]);
          i++;
        }
      }
      String c = containerPrefix;
      put(p, c + "Image", image);
      if (!env.isEmpty()) {
        int i = next(p, c + "EnvironmentVar.");
        for (String e : env) {
          String[] kv = Cli.keyValue("--env", e);
          p.put(c + "EnvironmentVar." + i + ".Key", kv[0]);
          p.put(c + "EnvironmentVar." + i + ".Value", kv[1]);
          i++;
        }
      }
      if (!ports.isEmpty()) {
        int i = next(p, c + "Port.");
        for (String port : ports) {
          String[] pp = port.split("/", 2);
          if (!pp[0].matches("\\d{1,5}")) throw new CliException(2, "--port wants PORT[/PROTOCOL], got \"" + port + "\"");
          p.put(c + "Port." + i + ".Port", pp[0]);
          p.put(c + "Port." + i + ".Protocol", pp.length > 1 ? pp[1].toUpperCase(java.util.Locale.ROOT) : "TCP");
          i++;
        }
      }
      List<String> cmd = new ArrayList<>(command);
      if (trailing != null) cmd.addAll(trailing);
      if (!cmd.isEmpty()) {
        p.keySet().removeIf(k -> k.startsWith(c + "Command."));
        for (int i = 0; i < cmd.size(); i++) p.put(c + "Command." + (i + 1), cmd.get(i));
      }
      if (!args.isEmpty()) {
        p.keySet().removeIf(k -> k.startsWith(c + "Arg."));
        for (int i = 0; i < args.size(); i++) p.put(c + "Arg." + (i + 1), args.get(i));
      }
      return p;
    }

    Map<String, String> fromFile() {
      return file == null ? new LinkedHashMap<>() : new LinkedHashMap<>(SpecFile.read(file));
    }

    private static void put(Map<String, String> p, String k, String v) {
      if (v != null) p.put(k, v);
    }

    /** The next free list index under {@code prefix} (1 when none). */
    static int next(Map<String, String> p, String prefix) {
      int max = 0;
      for (String k : p.keySet()) {
        if (!k.startsWith(prefix)) continue;
        String rest = k.substring(prefix.length());
        int dot = rest.indexOf('.');
        try {
          max = Math.max(max, Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot)));
        } catch (NumberFormatException ignored) {
          // not a list index
        }
      }
      return max + 1;
    }
  }

  @Command(name = "run", description = {"Create a container group (CreateContainerGroup); prints its id.",
      "From flags and/or a spec file; with --wait, prints its events until it is Running."},
      footer = {"", "Examples:", "  openeci run --name web --image nginx:1.27 --port 80 --wait",
          "  openeci run --name job --image busybox --restart-policy Never -- sh -c 'echo hi'",
          "  openeci run -f group.yaml --wait"})
  static final class Run extends Cli.Base {
    @Option(names = "--name", description = "ContainerGroupName (required unless the file has it)")
    String name;

    @Option(names = "--container-name", description = "Name of the container the flags describe (default: the"
        + " group's name)")
    String containerName;

    @Mixin
    SpecFlags spec;

    @Option(names = "--wait", description = "Wait until the group is Running (or has ended), printing its events")
    boolean waitRunning;

    @Option(names = "--timeout", defaultValue = "300", description = "Seconds --wait waits (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(names = "--dry-run", description = "Validate only (DryRun=true)")
    boolean dryRun;

    @Mixin
    Cli.OutputOption output;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The container's Command (after --)")
    List<String> trailing = new ArrayList<>();

    @Override
    int run() throws EciClient.ApiException, IOException, InterruptedException {
      Map<String, String> p = spec.fromFile();
      if (name != null) p.put("ContainerGroupName", name);
      String groupName = p.get("ContainerGroupName");
      if (groupName == null) throw new CliException(2, "--name (or ContainerGroupName in the file) is required");
      String c = "Container.1.";
      if (spec.containerFlags(trailing) || containerName != null) {
        if (!p.containsKey(c + "Name")) p.put(c + "Name", containerName != null ? containerName : groupName);
        else if (containerName != null) p.put(c + "Name", containerName);
      }
      spec.apply(p, c, trailing);
      if (!p.containsKey("Container.1.Image") && !p.containsKey("Container.1.Name")) {
        throw new CliException(2, "--image (or a Container in the file) is required");
      }
      if (dryRun) p.put("DryRun", "true");
      JsonNode r;
      try {
        r = call("CreateContainerGroup", p);
      } catch (EciClient.ApiException e) {
        if (dryRun && e.code.equals("DryRun.Success")) {
          out.println("dry run: the request is valid");
          return 0;
        }
        throw e;
      }
      String id = r.path("ContainerGroupId").asText();
      if (output.format != Output.Format.table) out.print(Output.render(r, output.format));
      else out.println(id);
      out.flush();
      return waitRunning ? waitFor(id) : 0;
    }

    private int waitFor(String id) throws EciClient.ApiException, IOException, InterruptedException {
      Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
      Set<String> seen = new LinkedHashSet<>();
      while (true) {
        printNewEvents(id, seen);
        JsonNode g = call("DescribeContainerGroups", Map.of("ContainerGroupIds", Cli.jsonArray(List.of(id))))
            .path("ContainerGroups").path(0);
        String status = g.path("Status").asText("");
        switch (status) {
          case "Running", "Succeeded" -> {
            printNewEvents(id, seen);
            err.println(id + " " + status + (g.path("IntranetIp").asText("").isEmpty() ? ""
                : " ip " + g.path("IntranetIp").asText()));
            return 0;
          }
          case "Failed", "Expired" -> {
            printNewEvents(id, seen);
            err.println("openeci: " + id + " " + status + reason(g));
            return 1;
          }
          case "" -> throw new CliException(1, "group " + id + " is gone");
          default -> { }
        }
        if (Instant.now().isAfter(deadline)) {
          throw new CliException(1, id + " is still " + status + " after " + timeoutSeconds + " s" + reason(g));
        }
        Thread.sleep(500);
      }
    }

    private static String reason(JsonNode g) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode c : g.path("Containers")) {
        JsonNode s = c.path("CurrentState");
        String r = s.path("Reason").asText("");
        if (!r.isEmpty()) sb.append(sb.length() == 0 ? ": " : "; ").append(c.path("Name").asText()).append(' ').append(r);
      }
      return sb.toString();
    }

    /** Events not printed yet (by name and count), one progress line each on stderr. */
    private void printNewEvents(String id, Set<String> seen) throws EciClient.ApiException, IOException,
        InterruptedException {
      JsonNode data = call("DescribeContainerGroupEvents", Map.of("ContainerGroupIds", Cli.jsonArray(List.of(id))))
          .path("Data");
      for (JsonNode d : data) {
        for (JsonNode e : d.path("Events")) {
          String key = e.path("Metadata").path("Name").asText() + "#" + e.path("Count").asText();
          if (!seen.add(key)) continue;
          String obj = e.path("involvedObject").path("FieldPath").asText("");
          obj = obj.startsWith("spec.containers{") ? obj.substring(16, obj.length() - 1) : "";
          err.println("  " + e.path("Type").asText() + "  " + e.path("Reason").asText()
              + (obj.isEmpty() ? "" : "  " + obj) + ": " + e.path("Message").asText());
        }
      }
      err.flush();
    }
  }

  @Command(name = "ps", description = "List container groups with status, IP and age (DescribeContainerGroups).")
  static final class Ps extends Cli.Base {
    @Option(names = "--name", description = "Only groups of this name")
    String name;

    @Option(names = "--status", description = "Only groups in this status (Pending, Running, Succeeded, Failed, ...)")
    String status;

    @Option(names = "--tag", paramLabel = "KEY[=VALUE]", description = "Only groups with this tag (repeatable)")
    List<String> tags = new ArrayList<>();

    @Option(names = {"-q", "--quiet"}, description = "Only the ids")
    boolean quiet;

    @Mixin
    Cli.OutputOption output;

    @Override
    int run() throws EciClient.ApiException, IOException, InterruptedException {
      Map<String, String> f = new LinkedHashMap<>();
      if (name != null) f.put("ContainerGroupName", name);
      if (status != null) f.put("Status", status);
      int i = 1;
      for (String t : tags) {
        int eq = t.indexOf('=');
        f.put("Tag." + i + ".Key", eq < 0 ? t : t.substring(0, eq));
        if (eq >= 0) f.put("Tag." + i + ".Value", t.substring(eq + 1));
        i++;
      }
      List<JsonNode> groups = groups(f);
      if (quiet) {
        groups.forEach(g -> out.println(g.path("ContainerGroupId").asText()));
        return 0;
      }
      ArrayNode arr = EciClient.JSON.createArrayNode();
      groups.forEach(arr::add);
      com.fasterxml.jackson.databind.node.ObjectNode raw = EciClient.JSON.createObjectNode();
      raw.put("TotalCount", groups.size());
      raw.set("ContainerGroups", arr);
      print(raw, output.format, table(groups, Instant.now()));
      return 0;
    }

    static Output.Table table(List<JsonNode> groups, Instant now) {
      Output.Table t = new Output.Table("ID", "NAME", "STATUS", "READY", "RESTARTS", "IP", "AGE");
      for (JsonNode g : groups) {
        int ready = 0;
        int total = 0;
        int restarts = 0;
        for (JsonNode c : g.path("Containers")) {
          total++;
          if (c.path("Ready").asBoolean(false)) ready++;
          restarts += c.path("RestartCount").asInt(0);
        }
        String ip = Output.text(g, "IntranetIp");
        String pub = Output.text(g, "InternetIp");
        if (!pub.isEmpty()) ip = ip.isEmpty() ? pub : ip + "," + pub;
        t.row(Output.text(g, "ContainerGroupId"), Output.text(g, "ContainerGroupName"), Output.text(g, "Status"),
            ready + "/" + total, restarts, ip, Output.age(Output.text(g, "CreationTime"), now));
      }
      return t;
    }
  }

  @Command(name = "describe", description = {"Show one container group.",
      "Spec, containers and their states, volumes, tags and recent events (DescribeContainerGroups)."})
  static final class Describe extends Cli.Base {
    @Parameters(paramLabel = "GROUP", description = "Group id or name")
    String group;

    @Mixin
    Cli.OutputOption output;

    @Override
    int run() throws EciClient.ApiException, IOException, InterruptedException {
      JsonNode g = group(group);
      if (output.format != Output.Format.table) {
        out.print(Output.render(g, output.format));
      } else {
        // The group-level event view has no container; the events action names it.
        JsonNode events = call("DescribeContainerGroupEvents", Map.of("ContainerGroupIds",
            Cli.jsonArray(List.of(g.path("ContainerGroupId").asText())))).path("Data").path(0).path("Events");
        out.print(text(g, events.isMissingNode() ? g.path("Events") : events, Instant.now()));
      }
      return 0;
    }

    static String text(JsonNode g, Instant now) {
      return text(g, g.path("Events"), now);
    }

    static String text(JsonNode g, JsonNode events, Instant now) {
      StringBuilder sb = new StringBuilder();
      field(sb, "", "Id", Output.text(g, "ContainerGroupId"));
      field(sb, "", "Name", Output.text(g, "ContainerGroupName"));
      field(sb, "", "Region/Zone", Output.text(g, "RegionId") + "/" + Output.text(g, "ZoneId"));
      field(sb, "", "Status", Output.text(g, "Status"));
      field(sb, "", "Created", Output.text(g, "CreationTime") + " (" + Output.age(Output.text(g, "CreationTime"), now)
          + " ago)");
      field(sb, "", "Cpu/Memory", Output.text(g, "Cpu") + " vCPU / " + Output.text(g, "Memory") + " GiB");
      field(sb, "", "RestartPolicy", Output.text(g, "RestartPolicy"));
      field(sb, "", "IntranetIp", Output.text(g, "IntranetIp"));
      if (!Output.text(g, "InternetIp").isEmpty()) field(sb, "", "InternetIp", Output.text(g, "InternetIp"));
      field(sb, "", "SpecVersion", Output.text(g, "SpecVersion"));
      if (g.path("Tags").size() > 0) {
        List<String> tags = new ArrayList<>();
        g.path("Tags").forEach(t -> tags.add(Output.text(t, "Key") + "=" + Output.text(t, "Value")));
        field(sb, "", "Tags", String.join(", ", tags));
      }
      containers(sb, "Init Containers", g.path("InitContainers"));
      containers(sb, "Containers", g.path("Containers"));
      if (g.path("Volumes").size() > 0) {
        sb.append("Volumes:\n");
        for (JsonNode v : g.path("Volumes")) sb.append("  ").append(Output.text(v, "Name")).append(" (")
            .append(Output.text(v, "Type")).append(")\n");
      }
      sb.append("Events:\n");
      if (events.size() == 0) sb.append("  <none>\n");
      else sb.append(indent(WatchCommands.Events.table(events, now).toString()));
      return sb.toString();
    }

    private static void containers(StringBuilder sb, String title, JsonNode list) {
      if (list.size() == 0) return;
      sb.append(title).append(":\n");
      for (JsonNode c : list) {
        sb.append("  ").append(Output.text(c, "Name")).append(":\n");
        field(sb, "    ", "Image", Output.text(c, "Image"));
        List<String> cmd = new ArrayList<>();
        c.path("Commands").forEach(x -> cmd.add(x.asText()));
        c.path("Command").forEach(x -> cmd.add(x.asText()));
        if (!cmd.isEmpty()) field(sb, "    ", "Command", String.join(" ", cmd));
        List<String> args = new ArrayList<>();
        c.path("Args").forEach(x -> args.add(x.asText()));
        if (!args.isEmpty()) field(sb, "    ", "Args", String.join(" ", args));
        List<String> ports = new ArrayList<>();
        c.path("Ports").forEach(p -> ports.add(Output.text(p, "Port") + "/" + Output.text(p, "Protocol")));
        if (!ports.isEmpty()) field(sb, "    ", "Ports", String.join(", ", ports));
        state(sb, "State", c.path("CurrentState"));
        if (!c.path("PreviousState").isMissingNode() && !c.path("PreviousState").isNull()) {
          state(sb, "Last State", c.path("PreviousState"));
        }
        field(sb, "    ", "Ready", Output.text(c, "Ready"));
        field(sb, "    ", "Restart Count", Output.text(c, "RestartCount"));
        List<String> env = new ArrayList<>();
        c.path("EnvironmentVars").forEach(e -> env.add(Output.text(e, "Key") + "="
            + (e.has("ValueFrom") ? "(" + e.path("ValueFrom").path("FieldRef").path("FieldPath").asText() + ")"
            : Output.text(e, "Value"))));
        if (!env.isEmpty()) field(sb, "    ", "Environment", String.join(", ", env));
      }
    }

    private static void state(StringBuilder sb, String label, JsonNode s) {
      if (s.isMissingNode() || s.isNull()) return;
      StringBuilder v = new StringBuilder(Output.text(s, "State"));
      if (!Output.text(s, "Reason").isEmpty()) v.append(" (").append(Output.text(s, "Reason")).append(')');
      if (!Output.text(s, "ExitCode").isEmpty()) v.append(", exit code ").append(Output.text(s, "ExitCode"));
      if (!Output.text(s, "StartTime").isEmpty()) v.append(", started ").append(Output.text(s, "StartTime"));
      if (!Output.text(s, "FinishTime").isEmpty()) v.append(", finished ").append(Output.text(s, "FinishTime"));
      field(sb, "    ", label, v.toString());
    }

    private static void field(StringBuilder sb, String indent, String name, String value) {
      sb.append(indent).append(name).append(':');
      sb.append(" ".repeat(Math.max(1, 16 - name.length() - indent.length() / 2))).append(value).append('\n');
    }

    private static String indent(String s) {
      StringBuilder sb = new StringBuilder();
      s.lines().forEach(l -> sb.append("  ").append(l).append('\n'));
      return sb.toString();
    }
  }

  @Command(name = "rm", description = {"Delete container groups (DeleteContainerGroup); prints each id.",
      "Deletion is asynchronous: the group leaves the listing at once, its containers get their grace period"
          + " and are then removed."})
  static final class Rm extends Cli.Base {
    @Parameters(paramLabel = "GROUP", arity = "1..*", description = "Group ids or names")
    List<String> groups;

    @Option(names = "--force", description = "Groups that do not exist are no error")
    boolean force;

    @Override
    int run() throws EciClient.ApiException, IOException, InterruptedException {
      int rc = 0;
      for (String g : groups) {
        String id;
        try {
          id = group(g).path("ContainerGroupId").asText();
        } catch (CliException e) {
          if (force) continue;
          err.println("openeci: " + e.getMessage());
          rc = 1;
          continue;
        }
        call("DeleteContainerGroup", Map.of("ContainerGroupId", id));
        out.println(id);
      }
      out.flush();
      return rc;
    }
  }

  @Command(name = "restart", description = {"Restart container groups (RestartContainerGroup).",
      "Containers are stopped with their grace period and recreated; the group keeps its IP."})
  static final class Restart extends Cli.Base {
    @Parameters(paramLabel = "GROUP", arity = "1..*", description = "Group ids or names")
    List<String> groups;

    @Override
    int run() throws EciClient.ApiException, IOException, InterruptedException {
      for (String g : groups) {
        String id = group(g).path("ContainerGroupId").asText();
        call("RestartContainerGroup", Map.of("ContainerGroupId", id));
        out.println(id);
      }
      return 0;
    }
  }

  @Command(name = "update", description = {"Update a container group (UpdateContainerGroup).",
      "Flags change one container (--container, default the only one) with IncrementalUpdate (--env and --port"
          + " are merged into the current ones); -f sends the file's parameters (UpdateType from the file, else"
          + " RenewUpdate: the file's containers replace all)."},
      footer = {"", "Examples:", "  openeci update web --image nginx:1.28", "  openeci update web --env MODE=debug --cpu 2",
          "  openeci update web -f group.yaml"})
  static final class Update extends Cli.Base {
    @Parameters(index = "0", paramLabel = "GROUP", description = "Group id or name")
    String group;

    @Option(names = "--container", description = "The container the container flags change (default: the only one)")
    String container;

    @Option(names = "--update-type", description = "RenewUpdate or IncrementalUpdate (default: IncrementalUpdate"
        + " with flags only, else the file's or RenewUpdate)")
    String updateType;

    @Mixin
    SpecFlags spec;

    @Override
    int run() throws EciClient.ApiException, IOException, InterruptedException {
      JsonNode g = group(group);
      String id = g.path("ContainerGroupId").asText();
      Map<String, String> p = spec.fromFile();
      boolean fromFile = spec.file != null;
      p.remove("ContainerGroupName");
      p.remove("RegionId");
      if (spec.containerFlags(null)) {
        String c;
        if (fromFile) {
          c = "Container.1.";
        } else {
          String name = Cli.Base.container(g, container);
          c = "Container.1.";
          p.put(c + "Name", name);
          mergeCurrent(p, c, g, name);
        }
        spec.apply(p, c, null);
      } else {
        spec.apply(p, "Container.1.", null);
      }
      if (p.isEmpty()) throw new CliException(2, "nothing to update: give -f or flags (openeci update --help)");
      p.put("ContainerGroupId", id);
      if (updateType != null) p.put("UpdateType", updateType);
      else if (!p.containsKey("UpdateType")) p.put("UpdateType", fromFile ? "RenewUpdate" : "IncrementalUpdate");
      call("UpdateContainerGroup", p);
      out.println(id);
      return 0;
    }

    /**
     * IncrementalUpdate replaces a container's EnvironmentVar and Port lists as a whole: --env and
     * --port are merged into the container's current ones (an --env of a present key replaces it).
     */
    private void mergeCurrent(Map<String, String> p, String c, JsonNode g, String name) {
      JsonNode current = null;
      for (JsonNode x : g.path("Containers")) {
        if (x.path("Name").asText().equals(name)) current = x;
      }
      if (current == null) return;
      if (!spec.env.isEmpty()) {
        Map<String, String[]> env = new LinkedHashMap<>();
        for (JsonNode e : current.path("EnvironmentVars")) {
          String fieldPath = e.path("ValueFrom").path("FieldRef").path("FieldPath").asText("");
          if (!fieldPath.isEmpty()) {
            env.put(e.path("Key").asText(), new String[] {null, fieldPath});
          } else if (e.path("Value").isNull() || e.path("Value").isMissingNode()) {
            throw new CliException(2, "the environment of " + name + " is hidden (EnvironmentVarHide): update it with"
                + " -f and the whole list");
          } else {
            env.put(e.path("Key").asText(), new String[] {e.path("Value").asText(), null});
          }
        }
        for (String e : spec.env) {
          String[] kv = Cli.keyValue("--env", e);
          env.put(kv[0], new String[] {kv[1], null});
        }
        int i = 1;
        for (Map.Entry<String, String[]> e : env.entrySet()) {
          p.put(c + "EnvironmentVar." + i + ".Key", e.getKey());
          if (e.getValue()[1] != null) p.put(c + "EnvironmentVar." + i + ".FieldRef.FieldPath", e.getValue()[1]);
          else p.put(c + "EnvironmentVar." + i + ".Value", e.getValue()[0]);
          i++;
        }
        spec.env = new ArrayList<>();
      }
      if (!spec.ports.isEmpty()) {
        int i = 1;
        for (JsonNode port : current.path("Ports")) {
          p.put(c + "Port." + i + ".Port", port.path("Port").asText());
          p.put(c + "Port." + i + ".Protocol", port.path("Protocol").asText("TCP"));
          i++;
        }
      }
    }
  }
}
