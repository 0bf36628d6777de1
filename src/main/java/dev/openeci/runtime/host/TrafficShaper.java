package dev.openeci.runtime.host;

import dev.openeci.runtime.HostFacts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IngressBandwidth / EgressBandwidth (bytes per second) with {@code tc} token buckets
 * (docs/pod-config.md): egress on the group's eth0 inside its network namespace
 * ({@code nsenter -t <sandbox pid> -n}), ingress on the host end of its veth pair (the host's
 * transmit side is the group's receive side), so no ingress policing module is needed. Needs
 * root, nsenter (util-linux) and tc (iproute2) on the engine host.
 */
final class TrafficShaper {
  private static final Pattern PEER = Pattern.compile("eth0@if(\\d+)");

  HostFacts.Shaping apply(long sandboxPid, Long ingress, Long egress) {
    List<String> applied = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    String pid = Long.toString(sandboxPid);
    if (egress != null && egress > 0) {
      List<String> cmd = new ArrayList<>(List.of("nsenter", "-t", pid, "-n"));
      cmd.addAll(egressCommand(egress));
      Run r = run(cmd);
      if (r.ok()) applied.add("egress " + egress + " B/s on eth0"); else problems.add("egress: " + r.output());
    }
    if (ingress != null && ingress > 0) {
      Run link = run(List.of("nsenter", "-t", pid, "-n", "ip", "-o", "link", "show", "eth0"));
      Matcher m = PEER.matcher(link.output());
      if (!link.ok() || !m.find()) {
        problems.add("ingress: cannot find the group's veth peer: " + link.output());
      } else {
        String dev = hostInterface(Integer.parseInt(m.group(1)));
        if (dev == null) {
          problems.add("ingress: no host interface with index " + m.group(1) + " (is the engine rootless?)");
        } else {
          Run r = run(tbf(dev, ingress));
          if (r.ok()) applied.add("ingress " + ingress + " B/s on host " + dev); else problems.add("ingress: " + r.output());
        }
      }
    }
    return new HostFacts.Shaping(applied, problems);
  }

  /** tc commands for egress shaping inside the group's network namespace (rate in bytes/s). */
  static List<String> egressCommand(long bytesPerSecond) {
    return tbf("eth0", bytesPerSecond);
  }

  /** tc shaping of an interface's transmit side: token bucket at {@code bytesPerSecond}. */
  static List<String> tbf(String dev, long bytesPerSecond) {
    long burst = Math.max(32 * 1024, bytesPerSecond / 10);
    return List.of("tc", "qdisc", "replace", "dev", dev, "root", "tbf", "rate", bytesPerSecond + "bps", "burst",
        Long.toString(burst), "latency", "400ms");
  }

  private String hostInterface(int index) {
    Run r = run(List.of("ip", "-o", "link", "show"));
    if (!r.ok()) return null;
    for (String line : r.output().split("\n")) {
      String[] f = line.split(":\\s+", 3);
      if (f.length >= 2 && f[0].trim().equals(Integer.toString(index))) {
        String name = f[1].trim();
        int at = name.indexOf('@');
        return at >= 0 ? name.substring(0, at) : name;
      }
    }
    return null;
  }

  private record Run(boolean ok, String output) {}

  private static Run run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Run(false, String.join(" ", cmd) + ": timed out");
      }
      return new Run(p.exitValue() == 0, p.exitValue() == 0 ? out : String.join(" ", cmd) + ": " + out);
    } catch (IOException e) {
      return new Run(false, String.join(" ", cmd) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Run(false, "interrupted");
    }
  }
}
