package dev.openeci.reconcile;

import dev.openeci.runtime.CreateContainer;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Recognises an engine's refusal to publish a port someone else holds (Podman: "bind: address
 * already in use"; Docker: "port is already allocated") and says it the way a person can act on.
 */
final class PortsInUse {
  private PortsInUse() {}

  static boolean is(String engineMessage) {
    if (engineMessage == null) return false;
    String m = engineMessage.toLowerCase(Locale.ROOT);
    return m.contains("address already in use") || m.contains("port is already allocated");
  }

  static String message(List<CreateContainer.PortBinding> ports, String address) {
    String list = ports.stream().map(p -> p.hostPort() + "/" + p.protocol()).collect(Collectors.joining(", "));
    return "A host port this container group publishes on " + address + " (" + list + ") is already in use by"
        + " another process on the host; the group cannot start. Free the port, or create the group with another"
        + " port (docs/errors.md#invalidparameterhostportinuse).";
  }
}
