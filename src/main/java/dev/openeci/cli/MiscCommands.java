package dev.openeci.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** top, images, caches. */
final class MiscCommands {
  private MiscCommands() {}

  @Command(name = "top", description = {"CPU and memory of running groups (DescribeContainerGroupMetric).",
      "Exits 2 when the server does not have the metric actions (an older openeci)."})
  static final class Top extends Cli.Base {
    @Parameters(arity = "0..*", paramLabel = "GROUP", description = "Group ids or names (default: every Running group)")
    List<String> groups = new ArrayList<>();

    @Mixin
    Cli.OutputOption output;

    @Override
    int run() throws EciClient.ApiException, IOException, InterruptedException {
      List<JsonNode> targets = new ArrayList<>();
      if (groups.isEmpty()) targets.addAll(groups(Map.of("Status", "Running")));
      else for (String g : groups) targets.add(group(g));
      ArrayNode raw = EciClient.JSON.createArrayNode();
      Output.Table t = new Output.Table("ID", "NAME", "CONTAINER", "CPU(cores)", "MEMORY(MiB)");
      if (targets.isEmpty()) {
        // Still ask the server, so that a server without the action says so.
        metric("eci-none");
      }
      for (JsonNode g : targets) {
        String id = g.path("ContainerGroupId").asText();
        JsonNode m = metric(id);
        if (m == null) continue;
        raw.add(m);
        JsonNode records = m.path("Records");
        JsonNode last = records.path(records.size() - 1);
        t.row(id, g.path("ContainerGroupName").asText(), "(all)", cores(last.path("CPU")), mib(last.path("Memory")));
        for (JsonNode c : last.path("Containers")) {
          t.row(id, g.path("ContainerGroupName").asText(), c.path("Name").asText(), cores(c.path("CPU")),
              mib(c.path("Memory")));
        }
      }
      print(raw, output.format, t);
      return 0;
    }

    private JsonNode metric(String id) throws EciClient.ApiException, IOException, InterruptedException {
      try {
        return call("DescribeContainerGroupMetric", Map.of("ContainerGroupId", id));
      } catch (EciClient.ApiException e) {
        if (e.code.equals("InvalidAction.NotFound")) {
          throw new CliException(2, "top: this server does not answer DescribeContainerGroupMetric (an openeci"
              + " older than the metric actions)");
        }
        if (id.equals("eci-none")) return null;
        throw e;
      }
    }

    static String cores(JsonNode cpu) {
      if (!cpu.has("UsageNanoCores")) return "";
      return String.format(java.util.Locale.ROOT, "%.3f", cpu.path("UsageNanoCores").asDouble() / 1e9);
    }

    static String mib(JsonNode memory) {
      JsonNode v = memory.has("WorkingSet") ? memory.path("WorkingSet") : memory.path("UsageBytes");
      if (v.isMissingNode()) return "";
      return Long.toString(v.asLong() / (1024 * 1024));
    }
  }

  @Command(name = "images", description = "List the images held by image caches, one row per image (DescribeImageCaches).")
  static final class Images extends Cli.Base {
    @Mixin
    Cli.OutputOption output;

    @Override
    int run() throws EciClient.ApiException, IOException, InterruptedException {
      JsonNode r = call("DescribeImageCaches", Map.of());
      Output.Table t = new Output.Table("IMAGE", "CACHE", "CACHE NAME", "STATUS", "AGE");
      Instant now = Instant.now();
      for (JsonNode c : r.path("ImageCaches")) {
        for (JsonNode image : c.path("Images")) {
          t.row(image.asText(), Output.text(c, "ImageCacheId"), Output.text(c, "ImageCacheName"), Output.text(c, "Status"),
              Output.age(Output.text(c, "CreationTime"), now));
        }
      }
      print(r, output.format, t);
      return 0;
    }
  }

  @Command(name = "caches", description = {"List image caches (DescribeImageCaches); `caches create`, `caches rm`."},
      subcommands = {Caches.Create.class, Caches.Rm.class})
  static final class Caches extends Cli.Base {
    @Mixin
    Cli.OutputOption output;

    @Override
    int run() throws EciClient.ApiException, IOException, InterruptedException {
      JsonNode r = call("DescribeImageCaches", Map.of());
      print(r, output.format, table(r.path("ImageCaches"), Instant.now()));
      return 0;
    }

    static Output.Table table(JsonNode caches, Instant now) {
      Output.Table t = new Output.Table("ID", "NAME", "STATUS", "PROGRESS", "IMAGES", "AGE");
      for (JsonNode c : caches) {
        List<String> images = new ArrayList<>();
        c.path("Images").forEach(i -> images.add(i.asText()));
        t.row(Output.text(c, "ImageCacheId"), Output.text(c, "ImageCacheName"), Output.text(c, "Status"),
            Output.text(c, "Progress"), String.join(",", images), Output.age(Output.text(c, "CreationTime"), now));
      }
      return t;
    }

    @Command(name = "create", description = {"Create an image cache (CreateImageCache); prints its id.",
        "The images are pulled in the background; --wait waits until it is Ready."})
    static final class Create extends Cli.Base {
      @Option(names = "--name", required = true, description = "ImageCacheName")
      String name;

      @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Images to cache")
      List<String> images;

      @Option(names = "--wait", description = "Wait until it is Ready (exit 1 if it Failed)")
      boolean waitReady;

      @Option(names = "--timeout", defaultValue = "600", description = "Seconds --wait waits (default ${DEFAULT-VALUE})")
      int timeoutSeconds;

      @Override
      int run() throws EciClient.ApiException, IOException, InterruptedException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("ImageCacheName", name);
        for (int i = 0; i < images.size(); i++) p.put("Image." + (i + 1), images.get(i));
        String id = call("CreateImageCache", p).path("ImageCacheId").asText();
        out.println(id);
        out.flush();
        if (!waitReady) return 0;
        Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
        String last = "";
        while (true) {
          JsonNode c = call("DescribeImageCaches", Map.of("ImageCacheId", id)).path("ImageCaches").path(0);
          String status = c.path("Status").asText("");
          String line = status + " " + c.path("Progress").asText("");
          if (!line.equals(last)) err.println("  " + line.trim());
          last = line;
          if (status.equals("Ready")) return 0;
          if (status.equals("Failed") || status.isEmpty()) {
            for (JsonNode e : c.path("Events")) err.println("  " + e.path("Type").asText() + " " + e.path("Message").asText());
            return 1;
          }
          if (Instant.now().isAfter(deadline)) throw new CliException(1, id + " is still " + status);
          Thread.sleep(1000);
        }
      }
    }

    @Command(name = "rm", description = "Delete image caches (DeleteImageCache).")
    static final class Rm extends Cli.Base {
      @Parameters(arity = "1..*", paramLabel = "CACHE_ID", description = "Image cache ids")
      List<String> ids;

      @Override
      int run() throws EciClient.ApiException, IOException, InterruptedException {
        for (String id : ids) {
          call("DeleteImageCache", Map.of("ImageCacheId", id));
          out.println(id);
        }
        return 0;
      }
    }
  }

}
