package dev.openeci.group;

import java.util.List;

/**
 * One container (app or init) as the user asked for it. Lists are never null. {@code cpu} and
 * {@code memory} (GiB) are null when not given.
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
    List<ContainerPort> ports) {

  public ContainerSpec {
    command = List.copyOf(command);
    args = List.copyOf(args);
    env = List.copyOf(env);
    ports = List.copyOf(ports);
  }
}
