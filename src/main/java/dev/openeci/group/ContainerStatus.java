package dev.openeci.group;

/** Observed status of one container of a group, computed by the control loop. */
public record ContainerStatus(String name, boolean ready, int restartCount, ContainerState current,
    ContainerState previous) {}
