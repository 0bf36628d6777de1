package dev.openeci.group;

/** {@code mountPropagation}: None (default), HostToContainer or Bidirectional. */
public record VolumeMount(String name, String mountPath, String subPath, boolean readOnly, String mountPropagation) {}
