package dev.openeci.api.mapping;

import dev.openeci.error.ErrorCode;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.group.Action;
import dev.openeci.group.Probe;
import java.util.ArrayList;
import java.util.List;

/** Reads probes ({@code X.LivenessProbe.*}) and lifecycle handlers ({@code X.LifecyclePostStartHandler*}). */
final class Probes {
  private Probes() {}

  /** A probe, or null when none of its parameters is present. Exactly one method is required. */
  static Probe probe(ParamReader c, String name, boolean liveness) {
    if (!c.has(name)) return null;
    ParamReader p = c.struct(name);
    List<Action> methods = new ArrayList<>();
    if (p.has("Exec")) {
      List<String> cmd = p.strings("Exec.Command");
      if (cmd.isEmpty()) throw ErrorCode.missing(p.path("Exec.Command.1"));
      methods.add(new Action.Exec(cmd));
    }
    if (p.has("HttpGet")) {
      ParamReader h = p.struct("HttpGet");
      methods.add(new Action.HttpGet(null, port(h, "Port"), path(h, "Path"), scheme(h, "Scheme"), List.of()));
    }
    if (p.has("TcpSocket")) {
      ParamReader t = p.struct("TcpSocket");
      methods.add(new Action.TcpSocket(null, port(t, "Port")));
    }
    if (methods.size() != 1) {
      throw ErrorCode.invalid(c.path(name), "exactly one of Exec, HttpGet and TcpSocket must be set, got "
          + methods.size());
    }
    Integer delay = min(p, "InitialDelaySeconds", 0);
    Integer period = min(p, "PeriodSeconds", 1);
    Integer timeout = min(p, "TimeoutSeconds", 1);
    Integer success = min(p, "SuccessThreshold", 1);
    Integer failure = min(p, "FailureThreshold", 1);
    if (success != null && success != 1) {
      // Seed: "Default value: 1. Must be 1." for LivenessProbe and ReadinessProbe alike.
      throw ErrorCode.invalid(p.path("SuccessThreshold"), "must be 1 for a " + (liveness ? "liveness" : "readiness")
          + " probe, got " + success);
    }
    return new Probe(methods.get(0), delay, period, timeout, success, failure);
  }

  /**
   * A lifecycle handler from the flat names ({@code <prefix>Exec.N}, {@code <prefix>HttpGetPort},
   * {@code <prefix>TcpSocketPort}, ...), or null when none is present.
   */
  static Action handler(ParamReader c, String prefix) {
    List<Action> methods = new ArrayList<>();
    List<String> exec = c.strings(prefix + "Exec");
    if (!exec.isEmpty()) methods.add(new Action.Exec(exec));
    String hg = prefix + "HttpGet";
    if (c.string(hg + "Port") != null || c.string(hg + "Path") != null || c.string(hg + "Host") != null
        || c.string(hg + "Scheme") != null || c.has(hg + "HttpHeader")) {
      List<Action.Header> headers = new ArrayList<>();
      for (ParamReader h : c.list(hg + "HttpHeader")) {
        headers.add(new Action.Header(h.required("Name"), h.string("Value") == null ? "" : h.string("Value")));
      }
      methods.add(new Action.HttpGet(CreateRequestMapper.emptyToNull(c.string(hg + "Host")), port(c, hg + "Port"),
          path(c, hg + "Path"), scheme(c, hg + "Scheme"), headers));
    }
    String ts = prefix + "TcpSocket";
    if (c.string(ts + "Port") != null || c.string(ts + "Host") != null) {
      methods.add(new Action.TcpSocket(CreateRequestMapper.emptyToNull(c.string(ts + "Host")), port(c, ts + "Port")));
    }
    if (methods.isEmpty()) return null;
    if (methods.size() > 1) {
      throw ErrorCode.invalid(c.path(prefix), "exactly one of Exec, HttpGet and TcpSocket may be set, got "
          + methods.size());
    }
    return methods.get(0);
  }

  private static Integer port(ParamReader p, String name) {
    Integer port = p.integer(name);
    if (port == null) throw ErrorCode.missing(p.path(name));
    if (port < 1 || port > 65535) throw ErrorCode.invalid(p.path(name), "must be 1-65535, got " + port);
    return port;
  }

  private static String path(ParamReader p, String name) {
    String v = p.string(name);
    if (v == null || v.isEmpty()) return "/";
    if (!v.startsWith("/")) throw ErrorCode.invalid(p.path(name), "\"" + v + "\" must start with /");
    return v;
  }

  private static String scheme(ParamReader p, String name) {
    String v = CreateRequestMapper.oneOf(p, name, List.of("HTTP", "HTTPS"));
    return v == null ? "HTTP" : v;
  }

  private static Integer min(ParamReader p, String name, int min) {
    Integer v = p.integer(name);
    if (v != null && v < min) throw ErrorCode.invalid(p.path(name), "must be >= " + min + ", got " + v);
    return v;
  }
}
