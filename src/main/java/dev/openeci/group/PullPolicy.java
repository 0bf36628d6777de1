package dev.openeci.group;

/** ECI ImagePullPolicy. */
public enum PullPolicy { Always, IfNotPresent, Never }
