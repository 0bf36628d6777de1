package dev.openeci.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** {@link HostFacts} a test sets: resolver, GPU, a volume root in a temp directory; shaping is recorded, not done. */
public final class FakeHostFacts implements HostFacts {
  private final Path volumeRoot;
  public volatile ResolvConf resolvConf = new ResolvConf(List.of("10.0.0.53"), List.of("corp.example"), List.of());
  public volatile boolean gpu;
  /** Every shaping request: "pid in out". */
  public final List<String> shaped = new CopyOnWriteArrayList<>();

  public FakeHostFacts(Path volumeRoot) {
    this.volumeRoot = volumeRoot;
  }

  @Override
  public ResolvConf resolvConf() {
    return resolvConf;
  }

  @Override
  public boolean gpuPresent() {
    return gpu;
  }

  @Override
  public Shaping shapeTraffic(long sandboxPid, Long ingressBytesPerSecond, Long egressBytesPerSecond) {
    shaped.add(sandboxPid + " " + ingressBytesPerSecond + " " + egressBytesPerSecond);
    return new Shaping(List.of("shaped by the fake host"), List.of());
  }

  @Override
  public Path volumeRoot() {
    return volumeRoot;
  }
}
