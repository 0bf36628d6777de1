package dev.openeci.backend.kubernetes;

import dev.openeci.group.Action;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerPort;
import dev.openeci.group.ContainerSecurity;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.EnvVar;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.PodOptions;
import dev.openeci.group.Probe;
import dev.openeci.group.PullPolicy;
import dev.openeci.group.RestartPolicy;
import dev.openeci.group.Tag;
import dev.openeci.group.VolumeMount;
import dev.openeci.group.VolumeSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Mutable builders of test specs (the domain records have many fields). */
final class Specs {
  private Specs() {}

  static final String GID = "eci-abcdefghij0123456789";

  static ContainerGroup group(GroupSpec spec) {
    return group("acct-1", "cn-hangzhou", spec);
  }

  static ContainerGroup group(String account, String region, GroupSpec spec) {
    return new ContainerGroup(GID, account, region, 3, spec, GroupState.initial(), Instant.EPOCH, Instant.EPOCH, null,
        2);
  }

  static final class G {
    String name = "web";
    String zone = "cn-hangzhou-a";
    RestartPolicy restart = RestartPolicy.Always;
    double cpu = 2;
    double memory = 4;
    List<Tag> tags = new ArrayList<>();
    List<ContainerSpec> inits = new ArrayList<>();
    List<ContainerSpec> containers = new ArrayList<>();
    int grace = 30;
    List<VolumeSpec> volumes = new ArrayList<>();
    Integer deadline;
    PodOptions.Dns dns = PodOptions.Dns.NONE;
    PodOptions.Network network = PodOptions.Network.NONE;
    PodOptions.Security security = PodOptions.Security.NONE;
    PodOptions.Images images = PodOptions.Images.NONE;
    PodOptions.Placement placement = PodOptions.Placement.NONE;

    G container(C c) {
      containers.add(c.build());
      return this;
    }

    G init(C c) {
      inits.add(c.build());
      return this;
    }

    G volume(VolumeSpec v) {
      volumes.add(v);
      return this;
    }

    G tag(String k, String v) {
      tags.add(new Tag(k, v));
      return this;
    }

    GroupSpec build() {
      if (containers.isEmpty()) containers.add(new C("app").build());
      return new GroupSpec(name, zone, restart, cpu, memory, tags, inits, containers, grace, volumes, deadline, dns,
          network, security, images, placement);
    }
  }

  static G spec() {
    return new G();
  }

  static final class C {
    String name;
    String image = "busybox:1";
    PullPolicy pull;
    List<String> command = List.of();
    List<String> args = List.of();
    String workingDir;
    List<EnvVar> env = new ArrayList<>();
    Double cpu;
    Double memory;
    List<ContainerPort> ports = new ArrayList<>();
    Integer gpu;
    boolean tty;
    boolean stdin;
    boolean stdinOnce;
    List<VolumeMount> mounts = new ArrayList<>();
    ContainerSecurity security = ContainerSecurity.NONE;
    Probe liveness;
    Probe readiness;
    Action postStart;
    Action preStop;
    String messagePath;
    String messagePolicy;

    C(String name) {
      this.name = name;
    }

    C port(int p, String proto) {
      ports.add(new ContainerPort(p, proto));
      return this;
    }

    C mount(VolumeMount m) {
      mounts.add(m);
      return this;
    }

    ContainerSpec build() {
      return new ContainerSpec(name, image, pull, command, args, workingDir, env, cpu, memory, ports, gpu, tty, stdin,
          stdinOnce, mounts, security, liveness, readiness, postStart, preStop, messagePath, messagePolicy, false);
    }
  }

  static C c(String name) {
    return new C(name);
  }

  static PodOptions.Dns dns(String policy, List<String> servers, List<String> searches,
      List<PodOptions.Dns.Option> options, List<PodOptions.Dns.HostAlias> aliases, String hostName) {
    return new PodOptions.Dns(policy, servers, searches, options, aliases, hostName, List.of());
  }

  static PodOptions.Network network(String eip, Boolean autoEip, Long ingress, Long egress) {
    return PodOptions.Network.builder().eipInstanceId(eip).autoCreateEip(autoEip).ingressBandwidth(ingress)
        .egressBandwidth(egress).build();
  }

  static PodOptions.Placement placement(String instanceType, String spot, String os, String arch) {
    return PodOptions.Placement.builder().instanceType(instanceType).spotStrategy(spot).osType(os).cpuArchitecture(arch)
        .build();
  }
}
