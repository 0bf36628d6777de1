package dev.openeci.group;

public record ContainerPort(int port, String protocol) {}
