package dev.openeci.server;

import dev.openeci.error.ApiException;
import dev.openeci.error.ErrorCode;
import dev.openeci.api.rpc.HttpReply;
import dev.openeci.api.rpc.RpcRequest;
import dev.openeci.config.EdgeConfig;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The HTTP listener (Jetty 12, core API): turns each request into an {@link RpcRequest} and
 * writes the dispatcher's reply. Bounded before anything costs a thread or memory
 * ({@link EdgeConfig}): the request line and headers ({@code maxHeaderBytes}; the SDKs send every
 * parameter in the query), the body, counted while it streams in and read without a thread
 * waiting on the client (demand callbacks), so a slow or endless body holds no thread and no
 * more than {@code maxBodyBytes}; the whole body must arrive within {@code readTimeout}, and a
 * connection idle that long is closed. Errors Jetty raises itself (a header too large, a malformed
 * request) are answered in the ECI envelope too.
 */
public final class HttpServer implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;
  private final org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler ws;

  public HttpServer(String host, int port, ApiDispatcher dispatcher, ExecSessions exec) {
    this(host, port, dispatcher, exec, EdgeConfig.DEFAULT);
  }

  public HttpServer(String host, int port, ApiDispatcher dispatcher, ExecSessions exec, EdgeConfig edge) {
    QueuedThreadPool threads = new QueuedThreadPool(64, 4);
    threads.setName("http");
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(edge.maxHeaderBytes());
    http.setSendServerVersion(false);
    http.setSendDateHeader(false);
    connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    connector.setIdleTimeout(edge.readTimeout().toMillis());
    server.addConnector(connector);
    ws = org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler.from(server, container -> {
          container.setIdleTimeout(java.time.Duration.ofMinutes(30));
          container.addMapping(ExecSessions.PATH, exec::create);
        });
    // The web console's static files at /console/** (docs/console.md); every other path is the API.
    ws.setHandler(new dev.openeci.server.console.ConsoleHandler(new RpcHandler(dispatcher, edge)));
    server.setHandler(ws);
    server.setErrorHandler(new EnvelopeErrorHandler(dispatcher));
  }

  /**
   * Puts a handler in front of the ECI API handler (e.g. /healthz, /metrics: dev.openeci.ops);
   * {@code front} gets the API handler to pass every other request on to. Before {@link #start}.
   */
  public HttpServer before(java.util.function.UnaryOperator<Handler> front) {
    ws.setHandler(front.apply(ws.getHandler()));
    return this;
  }

  public void start() throws Exception {
    server.start();
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(connector.getHost() == null ? "0.0.0.0" : connector.getHost(),
        connector.getLocalPort());
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  private static void write(Response response, Callback callback, HttpReply reply, boolean close) {
    response.setStatus(reply.status());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, reply.body().length);
    if (close) response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    response.write(true, ByteBuffer.wrap(reply.body()), callback);
  }

  private static String host(Request request) {
    String h = request.getHeaders().get(HttpHeader.HOST);
    return h == null ? null : h;
  }

  private static final class RpcHandler extends Handler.Abstract {
    private final ApiDispatcher dispatcher;
    private final EdgeConfig edge;

    RpcHandler(ApiDispatcher dispatcher, EdgeConfig edge) {
      this.dispatcher = dispatcher;
      this.edge = edge;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      long length = request.getLength();
      if (length > edge.maxBodyBytes()) {
        write(response, callback, dispatcher.edgeError(host(request), tooLarge(), Request.getRemoteAddr(request)), true);
        return true;
      }
      BodyReader body = new BodyReader(request, edge.maxBodyBytes());
      body.result.whenComplete((bytes, failure) -> {
        Scheduler.Task timeout = body.timeout;
        if (timeout != null) timeout.cancel();
        if (failure != null) {
          ApiException e = failure instanceof BodyTooLarge ? tooLarge()
              : failure instanceof TimeoutException ? ErrorCode.REQUEST_TIMEOUT.withMessage("The request body did not"
                  + " arrive within " + edge.readTimeout().toSeconds() + " s.")
              : ErrorCode.BAD_REQUEST.withMessage("The request body could not be read.");
          write(response, callback, dispatcher.edgeError(host(request), e, Request.getRemoteAddr(request)), true);
          return;
        }
        try {
          Map<String, String> headers = new HashMap<>();
          for (HttpField f : request.getHeaders()) headers.putIfAbsent(f.getLowerCaseName(), f.getValue());
          RpcRequest rpc = new RpcRequest(request.getMethod().toUpperCase(Locale.ROOT),
              request.getHttpURI().getPath(), request.getHttpURI().getQuery(), headers, bytes);
          write(response, callback, dispatcher.handle(rpc, Request.getRemoteAddr(request)), false);
        } catch (Throwable t) {
          callback.failed(t);
        }
      });
      body.run();
      // Most requests (the SDKs send empty bodies) are complete here; only the others get a deadline.
      if (!body.result.isDone()) {
        body.timeout = request.getComponents().getScheduler().schedule(body::timeOut,
            edge.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (body.result.isDone()) body.timeout.cancel();
      }
      return true;
    }

    private ApiException tooLarge() {
      return ErrorCode.REQUEST_TOO_LARGE.withMessage("The request body is larger than " + edge.maxBodyBytes()
          + " bytes.");
    }
  }

  private static final class BodyTooLarge extends RuntimeException {
    BodyTooLarge() {
      super(null, null, false, false);
    }
  }

  /**
   * Reads a request body by demand (no thread waits for the client) into a byte array, failing as
   * soon as more than {@code max} bytes arrived, or when {@link #timeOut} fires first.
   */
  static final class BodyReader implements Runnable {
    final CompletableFuture<byte[]> result = new CompletableFuture<>();
    volatile Scheduler.Task timeout;
    private final Content.Source source;
    private final int max;
    private byte[] buffer = new byte[0];
    private int size;

    BodyReader(Content.Source source, int max) {
      this.source = source;
      this.max = max;
    }

    @Override
    public void run() {
      while (!result.isDone()) {
        Content.Chunk chunk = source.read();
        if (chunk == null) {
          source.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          result.completeExceptionally(chunk.getFailure());
          return;
        }
        ByteBuffer b = chunk.getByteBuffer();
        int n = b.remaining();
        if (n > max - size) {
          chunk.release();
          result.completeExceptionally(new BodyTooLarge());
          return;
        }
        if (n > 0) {
          if (size + n > buffer.length) buffer = Arrays.copyOf(buffer, Math.min(max, Math.max(size + n, 2 * size + 64)));
          b.get(buffer, size, n);
          size += n;
        }
        boolean last = chunk.isLast();
        chunk.release();
        if (last) {
          result.complete(size == buffer.length ? buffer : Arrays.copyOf(buffer, size));
          return;
        }
      }
    }

    void timeOut() {
      TimeoutException e = new TimeoutException("request body not received in time");
      if (result.completeExceptionally(e)) source.fail(e);
    }
  }

  /** Jetty's own errors (431 header too large, 400 malformed, ...) in the ECI envelope. */
  private static final class EnvelopeErrorHandler extends ErrorHandler {
    private final ApiDispatcher dispatcher;

    EnvelopeErrorHandler(ApiDispatcher dispatcher) {
      this.dispatcher = dispatcher;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Object s = request.getAttribute(ERROR_STATUS);
      int status = s instanceof Integer i ? i : response.getStatus();
      if (status < 400) status = 500;
      ApiException error = switch (status) {
        case 408 -> ErrorCode.REQUEST_TIMEOUT.exception();
        case 413, 414, 431 -> new ApiException(ErrorCode.REQUEST_HEADER_TOO_LARGE,
            ErrorCode.REQUEST_HEADER_TOO_LARGE.defaultMessage(), status);
        case 500 -> ErrorCode.INTERNAL_ERROR.exception();
        case 503 -> ErrorCode.SERVICE_UNAVAILABLE.exception();
        // 505 and the like: the client's fault, so a 4xx (an HTTP version other than 1.0/1.1).
        default -> new ApiException(ErrorCode.BAD_REQUEST, ErrorCode.BAD_REQUEST.defaultMessage(),
            status > 500 ? 400 : status);
      };
      HttpServer.write(response, callback, dispatcher.edgeError(host(request), error,
          Request.getRemoteAddr(request)), true);
      return true;
    }
  }
}
