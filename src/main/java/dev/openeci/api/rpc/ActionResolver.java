package dev.openeci.api.rpc;

import dev.openeci.error.ErrorCode;

/** Action and Version from the parameters (V1) or the {@code x-acs-*} headers (V3). */
public final class ActionResolver {
  public static final String VERSION = "2018-08-08";

  public record Resolved(String action, String version) {}

  private ActionResolver() {}

  public static Resolved resolve(RpcRequest request, RequestParameters params) {
    String action = params.get("Action");
    if (action == null || action.isEmpty()) action = request.header("x-acs-action");
    if (action == null || action.isEmpty()) throw ErrorCode.missing("Action");
    String version = params.get("Version");
    if (version == null || version.isEmpty()) version = request.header("x-acs-version");
    if (version == null || version.isEmpty()) throw ErrorCode.missing("Version");
    if (!version.equals(VERSION)) {
      throw ErrorCode.INVALID_VERSION.withMessage("Specified parameter Version \"" + version
          + "\" is not valid; this API serves " + VERSION + ".");
    }
    return new Resolved(action, version);
  }
}
