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
    return new ContainerSpec(name, image, pull, command, args, workingDir, env, cpu, memory, ports, null, false, false,
        false, List.of(), ContainerSecurity.NONE, null, null, null, null, null, null, false);
  }
}
