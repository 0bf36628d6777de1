package dev.openeci.api.action;

/** One ECI Action. Returns the response body without RequestId (the protocol layer adds it). */
public interface ActionHandler {
  String action();

  Object handle(ActionContext ctx);
}
