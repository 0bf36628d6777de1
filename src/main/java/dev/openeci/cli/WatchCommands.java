package dev.openeci.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** logs and events, with their follow/watch modes (polling, as the API has no streams). */
final class WatchCommands {
  static final long POLL_MILLIS = 1000;

  private WatchCommands() {}

  @Command(name = "logs", description = {"Print a container's log (DescribeContainerLog).",
        "-f follows it until the container ends (or Ctrl-C)."})
  static final class Logs extends Cli.Base {
    @Parameters(index = "0", paramLabel = "GROUP", description = "Group id or name")
    String group;

    @Parameters(index = "1", arity = "0..1", paramLabel = "CONTAINER", description = "Container (default: the only one)")
    String container;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until the container ends")
    boolean follow;

    @Option(names = {"-p", "--previous"}, description = "The previous instance of a restarted container")
    boolean previous;

    @Option(names = "--tail", defaultValue = "-1", description = "Only the last N lines (at most 2000; default: as"
        + " many as the server returns, at most 2000)")
    int tail;

    @Option(names = "--timestamps", description = "Prefix each line with its RFC 3339 time")
    boolean timestamps;

    @Option(names = "--since", description = "Only lines of the last N seconds")
    Integer sinceSeconds;

    @Override
    int run() throws EciClient.ApiException, IOException, InterruptedException {
      JsonNode g = group(group);
      String id = g.path("ContainerGroupId").asText();
      String name = Cli.Base.container(g, container);
      Map<String, String> p = new LinkedHashMap<>();
      p.put("ContainerGroupId", id);
      p.put("ContainerName", name);
      p.put("Tail", Integer.toString(tail < 0 || tail > 2000 ? 2000 : tail));
      if (previous) p.put("LastTime", "true");
      if (sinceSeconds != null) p.put("SinceSeconds", sinceSeconds.toString());
      if (!follow || previous) {
        if (timestamps) p.put("Timestamps", "true");
        out.print(call("DescribeContainerLog", p).path("Content").asText(""));
        out.flush();
        return 0;
      }
      p.put("Timestamps", "true");
      Follower f = new Follower(timestamps);
      emit(f.accept(call("DescribeContainerLog", p).path("Content").asText("")));
      int restarts = restartCount(g, name);
      while (true) {
        Thread.sleep(POLL_MILLIS);
        JsonNode now = call("DescribeContainerGroups", Map.of("ContainerGroupIds", Cli.jsonArray(List.of(id))))
            .path("ContainerGroups").path(0);
        boolean gone = now.isMissingNode();
        boolean restarted = !gone && restartCount(now, name) != restarts;
        boolean ended = gone || restarted || terminated(now, name);
        Map<String, String> q = new LinkedHashMap<>(p);
        q.remove("Tail");
        if (f.lastSecond() != null) q.remove("SinceSeconds");
        q.put("Tail", "2000");
        if (f.lastSecond() != null) q.put("StartTime", f.lastSecond());
        if (restarted) q.put("LastTime", "true"); // the rest of the instance that ended
        if (!gone) emit(f.accept(call("DescribeContainerLog", q).path("Content").asText("")));
        if (ended) return 0;
      }
    }

    private void emit(String s) {
      if (s.isEmpty()) return;
      out.write(s.getBytes(StandardCharsets.UTF_8), 0, s.getBytes(StandardCharsets.UTF_8).length);
      out.flush();
    }

    private static int restartCount(JsonNode g, String name) {
      for (JsonNode c : g.path("Containers")) {
        if (c.path("Name").asText().equals(name)) return c.path("RestartCount").asInt(0);
      }
      return 0;
    }

    private static boolean terminated(JsonNode g, String name) {
      for (String list : new String[] {"Containers", "InitContainers"}) {
        for (JsonNode c : g.path(list)) {
          if (c.path("Name").asText().equals(name)) {
            return c.path("CurrentState").path("State").asText("").equals("Terminated");
          }
        }
      }
      return true;
    }
  }

  /**
   * Dedups the overlapping log pages of a follow: each poll asks from the second of the newest line
   * seen (StartTime has second precision), and lines not newer than it (engine timestamps have
   * nanoseconds) are dropped; lines of that same instant already printed are counted off.
   */
  static final class Follower {
    private final boolean keepTimestamps;
    private Instant last;
    private int printedAtLast;

    Follower(boolean keepTimestamps) {
      this.keepTimestamps = keepTimestamps;
    }

    /** RFC 3339 second of the newest line printed, for StartTime; null before the first line. */
    String lastSecond() {
      return last == null ? null : last.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    /** The new lines of a page, as they are to be printed. */
    String accept(String content) {
      StringBuilder outText = new StringBuilder();
      int seenAtLast = 0;
      for (String line : content.split("(?<=\n)")) {
        if (line.isEmpty()) continue;
        int sp = line.indexOf(' ');
        Instant t = null;
        if (sp > 0) {
          try {
            t = Instant.parse(line.substring(0, sp));
          } catch (DateTimeParseException e) {
            t = null;
          }
        }
        if (t == null) {
          outText.append(line);
          continue;
        }
        if (last != null && t.isBefore(last)) continue;
        if (last != null && t.equals(last)) {
          seenAtLast++;
          if (seenAtLast <= printedAtLast) continue;
          printedAtLast++;
        } else {
          last = t;
          printedAtLast = 1;
          seenAtLast = 1;
        }
        outText.append(keepTimestamps ? line : line.substring(sp + 1));
      }
      return outText.toString();
    }
  }

  @Command(name = "events", description = {"List a group's events (DescribeContainerGroupEvents).",
        "-w watches for new ones until the group is deleted (or Ctrl-C)."})
  static final class Events extends Cli.Base {
    @Parameters(paramLabel = "GROUP", description = "Group id or name")
    String group;

    @Option(names = {"-w", "--watch"}, description = "Keep printing new and repeated events")
    boolean watch;

    @Mixin
    Cli.OutputOption output;

    @Override
    int run() throws EciClient.ApiException, IOException, InterruptedException {
      String id = group(group).path("ContainerGroupId").asText();
      Map<String, String> p = Map.of("ContainerGroupIds", Cli.jsonArray(List.of(id)));
      JsonNode r = call("DescribeContainerGroupEvents", p);
      JsonNode events = r.path("Data").path(0).path("Events");
      if (!watch) {
        if (output.format != Output.Format.table) out.print(Output.render(r, output.format));
        else if (events.size() == 0) out.println("No events.");
        else out.print(table(events, Instant.now()));
        out.flush();
        return 0;
      }
      Map<String, String> seen = new HashMap<>();
      boolean header = true;
      while (true) {
        List<JsonNode> fresh = new ArrayList<>();
        for (JsonNode e : events) {
          String key = e.path("Metadata").path("Name").asText();
          String version = e.path("Count").asText() + "@" + e.path("LastTimestamp").asText();
          if (!version.equals(seen.put(key, version))) fresh.add(e);
        }
        if (!fresh.isEmpty()) {
          if (output.format == Output.Format.table) {
            ArrayNode arr = EciClient.JSON.createArrayNode();
            fresh.forEach(arr::add);
            String t = table(arr, Instant.now()).toString();
            out.print(header ? t : t.substring(t.indexOf('\n') + 1));
            header = false;
          } else {
            for (JsonNode e : fresh) {
              out.print(output.format == Output.Format.json ? EciClient.JSON.writeValueAsString(e) + "\n"
                  : "---\n" + Output.render(e, output.format));
            }
          }
          out.flush();
        }
        Thread.sleep(POLL_MILLIS);
        r = call("DescribeContainerGroupEvents", p);
        if (r.path("Data").size() == 0) {
          err.println("openeci: group " + id + " was deleted");
          return 0;
        }
        events = r.path("Data").path(0).path("Events");
      }
    }

    static Output.Table table(JsonNode events, Instant now) {
      Output.Table t = new Output.Table("LAST SEEN", "TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE");
      for (JsonNode e : events) {
        String obj = e.path("involvedObject").path("FieldPath").asText("");
        if (obj.startsWith("spec.containers{")) obj = "container/" + obj.substring(16, obj.length() - 1);
        else obj = "group";
        t.row(Output.age(Output.text(e, "LastTimestamp"), now), Output.text(e, "Type"), Output.text(e, "Reason"),
            obj, Output.text(e, "Count").isEmpty() ? "1" : Output.text(e, "Count"), Output.text(e, "Message"));
      }
      return t;
    }
  }
}
