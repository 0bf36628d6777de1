package dev.openeci.server;

import dev.openeci.api.action.ActionContext;
import dev.openeci.api.action.ActionHandler;
import dev.openeci.error.ApiException;
import dev.openeci.error.ErrorCode;
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
  private volatile dev.openeci.ops.ApiCalls calls = dev.openeci.ops.ApiCalls.logOnly();

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

  /** Where each call's access-log line and metrics go (default: the access log only). */
  public ApiDispatcher observe(dev.openeci.ops.ApiCalls calls) {
    this.calls = calls;
    return this;
  }

  /** The Actions this dispatcher serves. */
  public java.util.Set<String> actions() {
    return java.util.Set.copyOf(handlers.keySet());
  }

  /** An error raised before a request reaches {@link #handle} (the HTTP edge's bounds), in the envelope. */
  public HttpReply edgeError(String host, ApiException e) {
    return edgeError(host, e, null);
  }

  /** As above, with the client's address for the access log. */
  public HttpReply edgeError(String host, ApiException e, String remoteAddress) {
    String requestId = RequestIds.newId();
    log.debug("request {} refused at the edge: {} {}", requestId, e.code(), e.getMessage());
    HttpReply reply = writer.error(requestId, host, e, null);
    calls.completed(requestId, null, null, e.code(), reply.status(), 0, remoteAddress);
    return reply;
  }

  public HttpReply handle(RpcRequest request) {
    return handle(request, null);
  }

  /**
   * {@code remoteAddress}: the client's address (null = unknown), whose failed authentications
   * are limited ({@link FailureLimiter}); past the limit its requests are refused unread.
   */
  public HttpReply handle(RpcRequest request, String remoteAddress) {
    long t0 = System.nanoTime();
    Outcome o = new Outcome(RequestIds.newId());
    HttpReply reply = dispatch(request, remoteAddress, o);
    calls.completed(o.requestId, o.account, o.action, o.code, reply.status(), System.nanoTime() - t0, remoteAddress);
    return reply;
  }

  /** What the access log says about a call, filled in as the call gets further. */
  private static final class Outcome {
    final String requestId;
    String account;
    String action;
    String code = "Success";

    Outcome(String requestId) {
      this.requestId = requestId;
    }
  }

  private HttpReply dispatch(RpcRequest request, String remoteAddress, Outcome o) {
    String requestId = o.requestId;
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
      o.action = action;
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
      o.account = principal.accountId();
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
      o.code = e.code();
      if (e.httpStatus() >= 500) log.error("request {} {} failed: {} {}", requestId, action, e.code(), e.getMessage());
      return writer.error(requestId, request.host(), e, format);
    } catch (dev.openeci.runtime.RuntimeFailure e) {
      // The engine did not answer or refused on the request path (e.g. a log or exec read while it
      // is overloaded): a temporary failure of the server, not of the request; retrying may work.
      log.warn("request {} {} failed: the container engine: {}", requestId, action, e.getMessage());
      o.code = ErrorCode.SERVICE_UNAVAILABLE.code();
      return writer.error(requestId, request.host(), ErrorCode.SERVICE_UNAVAILABLE.withMessage(
          "The container engine could not serve this request; retry later."), format);
    } catch (RuntimeException | Error e) {
      log.error("request {} {} failed with an internal error", requestId, action, e);
      o.code = ErrorCode.INTERNAL_ERROR.code();
      return writer.error(requestId, request.host(), ErrorCode.INTERNAL_ERROR.exception(), format);
    }
  }
}
