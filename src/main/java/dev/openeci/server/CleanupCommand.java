package dev.openeci.server;

import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.docker.DockerRuntime;
import dev.openeci.runtime.docker.EngineLocator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code openeci cleanup}: removes from the local engine everything the server of one data
 * directory made (containers, volumes and networks labelled {@code openeci.owner=<instance-id>}),
 * which stops every one of its groups. Without {@code --yes} it only lists what it would remove.
 * The groups stay in the data directory's database: a server started on it again recreates them,
 * so stop the server first, and remove the data directory to forget them (docs/operations.md).
 */
@Command(name = "cleanup", description = {"Stop every group of a data directory's server and remove what it made"
    + " on the engine: containers, volumes and networks labelled openeci.owner=<instance-id>.",
    "Stop the server first (it would recreate its groups). Without --yes: only list what would be removed."})
public final class CleanupCommand implements Callable<Integer> {
  @Option(names = "--data-dir", description = "The server's data directory (as for serve; default /var/lib/openeci"
      + " as root, else ~/.local/share/openeci; env OPENECI_DATA_DIR)")
  Path dataDir;

  @Option(names = "--engine", description = "Docker API endpoint (as for serve; default: the first that answers at"
      + " DOCKER_HOST, /run/podman/podman.sock, /var/run/docker.sock)")
  String engine;

  @Option(names = "--yes", description = "Remove them (without it: a dry run that lists them)")
  boolean yes;

  Function<String, ContainerRuntime> runtimes = DockerRuntime::new;
  Map<String, String> env = System.getenv();
  PrintStream out = System.out;
  PrintStream err = System.err;

  @Override
  public Integer call() {
    Path dir = Main.dataDir(dataDir);
    Path idFile = dir.resolve("instance-id");
    String instanceId;
    try {
      instanceId = Files.isRegularFile(idFile) ? Files.readString(idFile, StandardCharsets.UTF_8).trim() : "";
    } catch (IOException e) {
      err.println("openeci cleanup: cannot read " + idFile + ": " + e.getMessage());
      return 1;
    }
    if (instanceId.isEmpty()) {
      err.println("openeci cleanup: " + dir + " is not an openeci data directory (no " + idFile.getFileName()
          + "): nothing of it to remove");
      return 1;
    }
    String endpoint = engine != null ? engine : EngineLocator.locate(env).orElse(null);
    if (endpoint == null) {
      err.println("openeci cleanup: no container engine answers (give --engine or DOCKER_HOST)");
      return 1;
    }
    try (ContainerRuntime runtime = runtimes.apply(endpoint)) {
      return cleanup(runtime, dir, instanceId);
    } catch (IOException | RuntimeException e) {
      err.println("openeci cleanup: " + e.getMessage());
      return 1;
    }
  }

  int cleanup(ContainerRuntime runtime, Path dir, String instanceId) {
    Map<String, String> owner = Map.of(Labels.OWNER, instanceId);
    List<RuntimeContainer> containers = new ArrayList<>(runtime.list(owner));
    // per group: its containers first, the sandbox (which holds their network namespace) last
    containers.sort(Comparator.comparing((RuntimeContainer c) -> String.valueOf(c.label(Labels.GROUP_ID)))
        .thenComparing(c -> Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE)))
        .thenComparing(c -> String.valueOf(c.name())));
    Map<String, List<RuntimeContainer>> byGroup = new TreeMap<>();
    for (RuntimeContainer c : containers) {
      byGroup.computeIfAbsent(String.valueOf(c.label(Labels.GROUP_ID)), g -> new ArrayList<>()).add(c);
    }
    out.println("data directory " + dir + ", instance " + instanceId + " (label " + Labels.OWNER + "=" + instanceId
        + "), engine " + runtime.describe());
    out.println(byGroup.size() + " group(s), " + containers.size() + " container(s):");
    byGroup.forEach((group, list) -> {
      out.println("  " + group);
      for (RuntimeContainer c : list) {
        out.println("    " + c.name() + "  " + c.state().name().toLowerCase(java.util.Locale.ROOT) + "  " + shortId(c.id()));
      }
    });
    if (!yes) {
      out.println("and the volumes and networks labelled " + Labels.OWNER + "=" + instanceId + ".");
      out.println("Dry run: nothing removed. Stop the server first, then run again with --yes to remove them.");
      return 0;
    }
    int failed = 0;
    for (RuntimeContainer c : containers) {
      try {
        runtime.remove(c.id());
      } catch (RuntimeException e) {
        failed++;
        err.println("openeci cleanup: " + c.name() + ": " + e.getMessage());
      }
    }
    try {
      runtime.removeVolumes(owner);
    } catch (RuntimeException e) {
      failed++;
      err.println("openeci cleanup: volumes: " + e.getMessage());
    }
    try {
      runtime.removeNetworks(owner);
    } catch (RuntimeException e) {
      failed++;
      err.println("openeci cleanup: networks: " + e.getMessage());
    }
    out.println("removed " + (containers.size()) + " container(s) and the volumes and networks labelled "
        + Labels.OWNER + "=" + instanceId + (failed == 0 ? "" : " (" + failed + " failure(s) above)")
        + ". The groups are still in " + dir + ": remove it to forget them (a server started on it recreates them).");
    return failed == 0 ? 0 : 1;
  }

  private static String shortId(String id) {
    return id == null ? "" : id.length() > 12 ? id.substring(0, 12) : id;
  }
}
