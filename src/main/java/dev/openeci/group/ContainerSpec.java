package dev.openeci.group;

import java.util.List;

/**
 * One container (app or init) as the user asked for it. Lists are never null; {@code cpu} and
 * {@code memory} (GiB) are null when not given; probes, hooks and fields init containers lack are
 * null there.
 */
public record ContainerSpec(
    String name,
    String image,
    PullPolicy imagePullPolicy,
    List<String> command,
    List<String> args,
    String workingDir,
    List<EnvVar> env,
    Double cpu,
    Double memory,
    List<ContainerPort> ports,
    Integer gpu,
    boolean tty,
    boolean stdin,
    boolean stdinOnce,
    List<VolumeMount> volumeMounts,
    ContainerSecurity security,
    Probe livenessProbe,
    Probe readinessProbe,
    Action postStart,
    Action preStop,
    String terminationMessagePath,
    String terminationMessagePolicy,
    boolean environmentVarHide) {

  public ContainerSpec {
    command = Lists.copy(command);
    args = Lists.copy(args);
    env = Lists.copy(env);
    ports = Lists.copy(ports);
    volumeMounts = Lists.copy(volumeMounts);
    if (security == null) security = ContainerSecurity.NONE;
  }

  /** The fields the walking skeleton knew; everything else unset. */
  public static ContainerSpec basic(String name, String image, PullPolicy pull, List<String> command, List<String> args,
      String workingDir, List<EnvVar> env, Double cpu, Double memory, List<ContainerPort> ports) {
    return builder().name(name).image(image).imagePullPolicy(pull).command(command).args(args).workingDir(workingDir)
        .env(env).cpu(cpu).memory(memory).ports(ports).build();
  }

  /** A builder: fields not set keep their defaults (empty lists, null, false, 0). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this spec, to change a few fields. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.image = image;
    b.imagePullPolicy = imagePullPolicy;
    b.command = command;
    b.args = args;
    b.workingDir = workingDir;
    b.env = env;
    b.cpu = cpu;
    b.memory = memory;
    b.ports = ports;
    b.gpu = gpu;
    b.tty = tty;
    b.stdin = stdin;
    b.stdinOnce = stdinOnce;
    b.volumeMounts = volumeMounts;
    b.security = security;
    b.livenessProbe = livenessProbe;
    b.readinessProbe = readinessProbe;
    b.postStart = postStart;
    b.preStop = preStop;
    b.terminationMessagePath = terminationMessagePath;
    b.terminationMessagePolicy = terminationMessagePolicy;
    b.environmentVarHide = environmentVarHide;
    return b;
  }

  /** Builds a {@link ContainerSpec} by field name instead of position. */
  public static final class Builder {
    private String name;
    private String image;
    private PullPolicy imagePullPolicy;
    private List<String> command = List.of();
    private List<String> args = List.of();
    private String workingDir;
    private List<EnvVar> env = List.of();
    private Double cpu;
    private Double memory;
    private List<ContainerPort> ports = List.of();
    private Integer gpu;
    private boolean tty;
    private boolean stdin;
    private boolean stdinOnce;
    private List<VolumeMount> volumeMounts = List.of();
    private ContainerSecurity security = ContainerSecurity.NONE;
    private Probe livenessProbe;
    private Probe readinessProbe;
    private Action postStart;
    private Action preStop;
    private String terminationMessagePath;
    private String terminationMessagePolicy;
    private boolean environmentVarHide;

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

    public Builder imagePullPolicy(PullPolicy imagePullPolicy) {
      this.imagePullPolicy = imagePullPolicy;
      return this;
    }

    public Builder command(List<String> command) {
      this.command = command;
      return this;
    }

    public Builder args(List<String> args) {
      this.args = args;
      return this;
    }

    public Builder workingDir(String workingDir) {
      this.workingDir = workingDir;
      return this;
    }

    public Builder env(List<EnvVar> env) {
      this.env = env;
      return this;
    }

    public Builder cpu(Double cpu) {
      this.cpu = cpu;
      return this;
    }

    public Builder memory(Double memory) {
      this.memory = memory;
      return this;
    }

    public Builder ports(List<ContainerPort> ports) {
      this.ports = ports;
      return this;
    }

    public Builder gpu(Integer gpu) {
      this.gpu = gpu;
      return this;
    }

    public Builder tty(boolean tty) {
      this.tty = tty;
      return this;
    }

    public Builder stdin(boolean stdin) {
      this.stdin = stdin;
      return this;
    }

    public Builder stdinOnce(boolean stdinOnce) {
      this.stdinOnce = stdinOnce;
      return this;
    }

    public Builder volumeMounts(List<VolumeMount> volumeMounts) {
      this.volumeMounts = volumeMounts;
      return this;
    }

    public Builder security(ContainerSecurity security) {
      this.security = security;
      return this;
    }

    public Builder livenessProbe(Probe livenessProbe) {
      this.livenessProbe = livenessProbe;
      return this;
    }

    public Builder readinessProbe(Probe readinessProbe) {
      this.readinessProbe = readinessProbe;
      return this;
    }

    public Builder postStart(Action postStart) {
      this.postStart = postStart;
      return this;
    }

    public Builder preStop(Action preStop) {
      this.preStop = preStop;
      return this;
    }

    public Builder terminationMessagePath(String terminationMessagePath) {
      this.terminationMessagePath = terminationMessagePath;
      return this;
    }

    public Builder terminationMessagePolicy(String terminationMessagePolicy) {
      this.terminationMessagePolicy = terminationMessagePolicy;
      return this;
    }

    public Builder environmentVarHide(boolean environmentVarHide) {
      this.environmentVarHide = environmentVarHide;
      return this;
    }

    public ContainerSpec build() {
      return new ContainerSpec(name, image, imagePullPolicy, command, args, workingDir, env, cpu, memory, ports, gpu,
          tty, stdin, stdinOnce, volumeMounts, security, livenessProbe, readinessProbe, postStart, preStop,
          terminationMessagePath, terminationMessagePolicy, environmentVarHide);
    }
  }
}
