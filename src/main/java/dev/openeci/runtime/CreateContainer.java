package dev.openeci.runtime;

import java.util.List;
import java.util.Map;

/**
 * Everything needed to create one engine container. Two network shapes: the sandbox owns the
 * group's namespaces ({@link Network#own}), members join it ({@link Network#joinSandbox}).
 * Fields that do not apply are null or empty.
 *
 * @param entrypoint replaces the image entrypoint when non-null (ECI Command)
 * @param cmd replaces the image cmd when non-null (ECI Arg)
 * @param nanoCpus CPU limit in 1e-9 CPUs, 0 = none
 * @param memoryBytes memory limit, 0 = none
 * @param gpus GPUs requested from the engine (device request), 0 = none
 */
public record CreateContainer(
    String name,
    String image,
    Map<String, String> labels,
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String workingDir,
    String user,
    boolean tty,
    boolean openStdin,
    boolean stdinOnce,
    long nanoCpus,
    long memoryBytes,
    List<Mount> mounts,
    boolean readOnlyRootfs,
    List<String> capAdd,
    boolean privileged,
    Network network,
    int gpus) {

  public CreateContainer(String name, String image, Map<String, String> labels, List<String> entrypoint,
      List<String> cmd, List<String> env, String workingDir, String user, boolean tty, boolean openStdin,
      boolean stdinOnce, long nanoCpus, long memoryBytes, List<Mount> mounts, boolean readOnlyRootfs,
      List<String> capAdd, boolean privileged, Network network) {
    this(name, image, labels, entrypoint, cmd, env, workingDir, user, tty, openStdin, stdinOnce, nanoCpus, memoryBytes,
        mounts, readOnlyRootfs, capAdd, privileged, network, 0);
  }

  public CreateContainer {
    labels = Map.copyOf(labels);
    env = env == null ? List.of() : List.copyOf(env);
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
    capAdd = capAdd == null ? List.of() : List.copyOf(capAdd);
  }

  /** Network/namespace settings. Exactly one of {@code own} / {@code sandboxId} applies. */
  public record Network(
      String sandboxId,
      String hostname,
      List<PortBinding> ports,
      List<String> dns,
      List<String> dnsSearch,
      List<String> dnsOptions,
      List<String> extraHosts,
      Map<String, String> sysctls,
      boolean sharePid,
      String networkName) {

    /** The sandbox: owns the network, UTS and IPC namespaces (and PID when {@code sharePid}). */
    public static Network own(String hostname, List<PortBinding> ports, List<String> dns, List<String> dnsSearch,
        List<String> dnsOptions, List<String> extraHosts, Map<String, String> sysctls, boolean sharePid) {
      return new Network(null, hostname, List.copyOf(ports), List.copyOf(dns), List.copyOf(dnsSearch),
          List.copyOf(dnsOptions), List.copyOf(extraHosts), Map.copyOf(sysctls), sharePid, null);
    }

    /** The sandbox on a named engine network (its account's); null = the engine's default bridge. */
    public Network onNetwork(String name) {
      return new Network(sandboxId, hostname, ports, dns, dnsSearch, dnsOptions, extraHosts, sysctls, sharePid, name);
    }

    /** A member: joins the sandbox's network and IPC (and PID when {@code sharePid}) namespaces. */
    public static Network joinSandbox(String sandboxId, String hostname, boolean sharePid) {
      return new Network(sandboxId, hostname, List.of(), List.of(), List.of(), List.of(), List.of(), Map.of(), sharePid,
          null);
    }

    public boolean joins() {
      return sandboxId != null;
    }
  }

  /** A port published on the host (only on the sandbox). hostPort 0 = engine picks. */
  public record PortBinding(int containerPort, String protocol, String hostIp, int hostPort) {}

  /**
   * A mount: type "volume" (named engine volume), "bind" (host path) or "tmpfs". {@code propagation}
   * (bind mounts only): null/"private", "rslave" or "rshared".
   */
  public record Mount(String type, String source, String target, boolean readOnly, long tmpfsSizeBytes,
      String propagation) {}

  /**
   * A builder: fields not set keep their defaults (empty lists and maps, false, 0), except
   * {@code entrypoint} and {@code cmd}, which stay null (the image's own).
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this container spec, to change a few fields. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.image = image;
    b.labels = labels;
    b.entrypoint = entrypoint;
    b.cmd = cmd;
    b.env = env;
    b.workingDir = workingDir;
    b.user = user;
    b.tty = tty;
    b.openStdin = openStdin;
    b.stdinOnce = stdinOnce;
    b.nanoCpus = nanoCpus;
    b.memoryBytes = memoryBytes;
    b.mounts = mounts;
    b.readOnlyRootfs = readOnlyRootfs;
    b.capAdd = capAdd;
    b.privileged = privileged;
    b.network = network;
    b.gpus = gpus;
    return b;
  }

  /** Builds a {@link CreateContainer} by field name instead of position. */
  public static final class Builder {
    private String name;
    private String image;
    private Map<String, String> labels = Map.of();
    private List<String> entrypoint;
    private List<String> cmd;
    private List<String> env = List.of();
    private String workingDir;
    private String user;
    private boolean tty;
    private boolean openStdin;
    private boolean stdinOnce;
    private long nanoCpus;
    private long memoryBytes;
    private List<Mount> mounts = List.of();
    private boolean readOnlyRootfs;
    private List<String> capAdd = List.of();
    private boolean privileged;
    private Network network;
    private int gpus;

    private Builder() {
    }

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder image(String image) {
      this.image = image;
      return this;
    }

    public Builder labels(Map<String, String> labels) {
      this.labels = labels;
      return this;
    }

    public Builder entrypoint(List<String> entrypoint) {
      this.entrypoint = entrypoint;
      return this;
    }

    public Builder cmd(List<String> cmd) {
      this.cmd = cmd;
      return this;
    }

    public Builder env(List<String> env) {
      this.env = env;
      return this;
    }

    public Builder workingDir(String workingDir) {
      this.workingDir = workingDir;
      return this;
    }

    public Builder user(String user) {
      this.user = user;
      return this;
    }

    public Builder tty(boolean tty) {
      this.tty = tty;
      return this;
    }

    public Builder openStdin(boolean openStdin) {
      this.openStdin = openStdin;
      return this;
    }

    public Builder stdinOnce(boolean stdinOnce) {
      this.stdinOnce = stdinOnce;
      return this;
    }

    public Builder nanoCpus(long nanoCpus) {
      this.nanoCpus = nanoCpus;
      return this;
    }

    public Builder memoryBytes(long memoryBytes) {
      this.memoryBytes = memoryBytes;
      return this;
    }

    public Builder mounts(List<Mount> mounts) {
      this.mounts = mounts;
      return this;
    }

    public Builder readOnlyRootfs(boolean readOnlyRootfs) {
      this.readOnlyRootfs = readOnlyRootfs;
      return this;
    }

    public Builder capAdd(List<String> capAdd) {
      this.capAdd = capAdd;
      return this;
    }

    public Builder privileged(boolean privileged) {
      this.privileged = privileged;
      return this;
    }

    public Builder network(Network network) {
      this.network = network;
      return this;
    }

    public Builder gpus(int gpus) {
      this.gpus = gpus;
      return this;
    }

    public CreateContainer build() {
      return new CreateContainer(name, image, labels, entrypoint, cmd, env, workingDir, user, tty, openStdin,
          stdinOnce, nanoCpus, memoryBytes, mounts, readOnlyRootfs, capAdd, privileged, network, gpus);
    }
  }
}
