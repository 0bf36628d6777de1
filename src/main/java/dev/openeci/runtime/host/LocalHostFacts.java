package dev.openeci.runtime.host;

import dev.openeci.runtime.HostFacts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link HostFacts} of the machine openeci runs on (the engine is local): {@code /etc/resolv.conf},
 * {@code /dev/nvidia0}, {@code tc} through {@code nsenter} ({@link TrafficShaper}) and the data
 * directory's {@code pods}. Read when asked, never cached: a changed resolv.conf applies to the
 * next sandbox.
 */
public final class LocalHostFacts implements HostFacts {
  private static final Logger log = LoggerFactory.getLogger(LocalHostFacts.class);

  private final Path resolvConf;
  private final Path gpuDevice;
  private final Path volumeRoot;
  private final TrafficShaper shaper = new TrafficShaper();

  /** @param volumeRoot where per-group volume directories live ({@code <data-dir>/pods}) */
  public LocalHostFacts(Path volumeRoot) {
    this(volumeRoot, Path.of("/etc/resolv.conf"), Path.of("/dev/nvidia0"));
  }

  LocalHostFacts(Path volumeRoot, Path resolvConf, Path gpuDevice) {
    this.volumeRoot = volumeRoot;
    this.resolvConf = resolvConf;
    this.gpuDevice = gpuDevice;
  }

  @Override
  public ResolvConf resolvConf() {
    String text = "";
    try {
      text = Files.readString(resolvConf);
    } catch (IOException | RuntimeException e) {
      log.debug("no {}: {}", resolvConf, e.toString());
    }
    return parse(text);
  }

  /** Name servers, search domains and options of a resolv.conf text (loopback servers dropped, as engines do). */
  public static ResolvConf parse(String text) {
    List<String> servers = new ArrayList<>();
    List<String> searches = new ArrayList<>();
    List<String> options = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 2 && f[0].equals("nameserver") && !f[1].startsWith("127.") && !f[1].equals("::1")) {
        servers.add(f[1]);
      } else if (f.length >= 2 && (f[0].equals("search") || f[0].equals("domain"))) {
        searches.clear();
        for (int i = 1; i < f.length; i++) searches.add(f[i]);
      } else if (f.length >= 2 && f[0].equals("options")) {
        for (int i = 1; i < f.length; i++) options.add(f[i]);
      }
    }
    return new ResolvConf(servers, searches, options);
  }

  @Override
  public boolean gpuPresent() {
    return Files.exists(gpuDevice);
  }

  @Override
  public Shaping shapeTraffic(long sandboxPid, Long ingressBytesPerSecond, Long egressBytesPerSecond) {
    return shaper.apply(sandboxPid, ingressBytesPerSecond, egressBytesPerSecond);
  }

  @Override
  public Path volumeRoot() {
    return volumeRoot;
  }
}
