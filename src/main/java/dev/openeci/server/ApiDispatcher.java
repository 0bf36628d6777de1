package dev.openeci.server;

import dev.openeci.api.action.ActionContext;
import dev.openeci.api.action.ActionHandler;
import dev.openeci.api.error.ApiException;
import dev.openeci.api.error.ErrorCode;
import dev.openeci.api.rpc.ActionResolver;
import dev.openeci.api.rpc.Authenticator;
import dev.openeci.api.rpc.FailureLimiter;
import dev.openeci.api.rpc.HttpReply;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.api.rpc.RequestIds;
import dev.openeci.api.rpc.RequestParameters;
import dev.openeci.api.rpc.ResponseWriter;
import dev.openeci.api.rpc.RpcRequest;
import dev.openeci.config.ServerConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One API request end to end, independent of the HTTP server: parse, resolve Action/Version,
 * authenticate, dispatch to the handler, and write the reply or the error envelope. Anything
 * unexpected becomes InternalError with the request id; the stack trace goes to the log only.
 */
public final class ApiDispatcher {
  private static final Logger log = LoggerFactory.getLogger(ApiDispatcher.class);

  private final Map<String, ActionHandler> handlers = new HashMap<>();
  private final Authenticator authenticator;
  private final ResponseWriter writer;
  private final ServerConfig config;
  private final RequestParameters.Limits limits;
  private final FailureLimiter failures;

  public ApiDispatcher(List<ActionHandler> handlers, Authenticator authenticator, ResponseWriter writer,
      ServerConfig config) {
    for (ActionHandler h : handlers) this.handlers.put(h.action(), h);
    this.authenticator = authenticator;
    this.writer = writer;
    this.config = config;
    this.limits = new RequestParameters.Limits(config.edge().maxParameters(), config.edge().maxValueChars());
    this.failures = new FailureLimiter(config.edge().authFailuresPerSecond(), config.edge().authFailureBurst(),
        100_000);
  }

  /** An error raised before a request reaches {@link #handle} (the HTTP edge's bounds), in the envelope. */
  public HttpReply edgeError(String host, ApiException e) {
    String requestId = RequestIds.newId();
    log.debug("request {} refused at the edge: {} {}", requestId, e.code(), e.getMessage());
    return writer.error(requestId, host, e, null);
  }

  public HttpReply handle(RpcRequest request) {
    return handle(request, null);
  }

  /**
   * {@code remoteAddress}: the client's address (null = unknown), whose failed authentications
   * are limited ({@link FailureLimiter}); past the limit its requests are refused unread.
   */
  public HttpReply handle(RpcRequest request, String remoteAddress) {
    String requestId = RequestIds.newId();
    String format = null;
    String action = null;
    try {
      if (failures.blocked(remoteAddress)) {
        throw new ApiException(ErrorCode.THROTTLING, "Request was denied due to request throttling: too many"
            + " failed authentications from this address.");
      }
      if (!request.method().equals("GET") && !request.method().equals("POST")) {
        throw ErrorCode.UNSUPPORTED_HTTP_METHOD.withMessage("HTTP method " + request.method()
            + " is not supported; use GET or POST.");
      }
      RequestParameters params = RequestParameters.parse(request, limits);
      format = params.get("Format");
      ActionResolver.Resolved resolved = ActionResolver.resolve(request, params);
      action = resolved.action();
      ActionHandler handler = handlers.get(action);
      if (handler == null) {
        throw ErrorCode.INVALID_ACTION_NOT_FOUND.withMessage("Specified api is not found, please check your url"
            + " and method. (Action=" + action + ")");
      }
      Authenticator.Authenticated authenticated;
      try {
        authenticated = authenticator.authenticateRequest(request, params);
      } catch (ApiException e) {
        if (!e.code().startsWith("Throttling")) failures.failed(remoteAddress);
        throw e;
      }
      var principal = authenticated.principal();
      // Only what the signature covers is served (V1 Java Tea: empty parameters are unsigned).
      ParamReader reader = new ParamReader(authenticated.params().asMap());
      String region = reader.string("RegionId");
      if (region == null || region.isEmpty()) region = config.defaultRegion();
      if (!config.regions().contains(region)) {
        throw new ApiException(ErrorCode.INVALID_REGION_ID, "The specified RegionId \"" + region
            + "\" is not served here; served regions: " + config.regions());
      }
      Object body = handler.handle(new ActionContext(requestId, principal.accountId(), region, reader));
      return writer.success(requestId, action, body, format);
    } catch (ApiException e) {
      if (e.httpStatus() >= 500) log.error("request {} {} failed: {} {}", requestId, action, e.code(), e.getMessage());
      return writer.error(requestId, request.host(), e, format);
    } catch (dev.openeci.runtime.RuntimeFailure e) {
      // The engine did not answer or refused on the request path (e.g. a log or exec read while it
      // is overloaded): a temporary failure of the server, not of the request; retrying may work.
      log.warn("request {} {} failed: the container engine: {}", requestId, action, e.getMessage());
      return writer.error(requestId, request.host(), ErrorCode.SERVICE_UNAVAILABLE.withMessage(
          "The container engine could not serve this request; retry later."), format);
    } catch (RuntimeException | Error e) {
      log.error("request {} {} failed with an internal error", requestId, action, e);
      return writer.error(requestId, request.host(), ErrorCode.INTERNAL_ERROR.exception(), format);
    }
  }
}
