package dev.openeci.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * What the control loop needs to know about, or do on, the engine host beyond engine calls: its
 * resolver configuration (DnsPolicy Default), whether it has a GPU, traffic shaping of a sandbox's
 * network namespace, and where per-group volume directories live. The real implementation
 * ({@code runtime.host.LocalHostFacts}) is made in the composition root; tests use a fake.
 */
public interface HostFacts {

  /** The host's resolver: name servers (loopback ones dropped, as engines do), search domains, options. */
  record ResolvConf(List<String> nameservers, List<String> search, List<String> options) {
    public ResolvConf {
      nameservers = List.copyOf(nameservers);
      search = List.copyOf(search);
      options = List.copyOf(options);
    }

    public static ResolvConf empty() {
      return new ResolvConf(List.of(), List.of(), List.of());
    }
  }

  /** What traffic shaping did (for a Normal event) or why not (for a Warning event). */
  record Shaping(List<String> applied, List<String> problems) {
    public Shaping {
      applied = List.copyOf(applied);
      problems = List.copyOf(problems);
    }
  }

  ResolvConf resolvConf();

  /** True when the host has a GPU the engine can hand to containers. */
  boolean gpuPresent();

  /**
   * Shapes the traffic of the sandbox whose first process is {@code sandboxPid}: ingress and egress
   * in bytes per second, null or 0 = not shaped.
   */
  Shaping shapeTraffic(long sandboxPid, Long ingressBytesPerSecond, Long egressBytesPerSecond);

  /** The directory under which each group's volume directories live ({@code <data-dir>/pods}). */
  Path volumeRoot();
}
