package dev.openeci.server;

import dev.openeci.api.rpc.HttpReply;
import dev.openeci.api.rpc.RpcRequest;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The HTTP listener (Jetty 12, core API): turns each request into an {@link RpcRequest} and
 * writes the dispatcher's reply. Query strings may be long (CreateContainerGroup sends every
 * parameter in the query), so the request-line/header limit is raised to 1 MiB.
 */
public final class HttpServer implements AutoCloseable {
  static final int MAX_HEADER_BYTES = 1 << 20;
  static final int MAX_BODY_BYTES = 4 << 20;

  private final Server server;
  private final ServerConnector connector;

  public HttpServer(String host, int port, ApiDispatcher dispatcher, ExecSessions exec) {
    QueuedThreadPool threads = new QueuedThreadPool(64, 4);
    threads.setName("http");
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(MAX_HEADER_BYTES);
    http.setSendServerVersion(false);
    http.setSendDateHeader(false);
    connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler ws =
        org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler.from(server, container -> {
          container.setIdleTimeout(java.time.Duration.ofMinutes(30));
          container.addMapping(ExecSessions.PATH, exec::create);
        });
    ws.setHandler(new RpcHandler(dispatcher));
    server.setHandler(ws);
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

  private static final class RpcHandler extends Handler.Abstract {
    private final ApiDispatcher dispatcher;

    RpcHandler(ApiDispatcher dispatcher) {
      this.dispatcher = dispatcher;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      Map<String, String> headers = new HashMap<>();
      for (HttpField f : request.getHeaders()) {
        headers.putIfAbsent(f.getLowerCaseName(), f.getValue());
      }
      long length = request.getLength();
      if (length > MAX_BODY_BYTES) {
        Response.writeError(request, response, callback, 413);
        return true;
      }
      ByteBuffer buffer = Content.Source.asByteBuffer(request);
      byte[] body = new byte[buffer.remaining()];
      buffer.get(body);
      if (body.length > MAX_BODY_BYTES) {
        Response.writeError(request, response, callback, 413);
        return true;
      }
      RpcRequest rpc = new RpcRequest(request.getMethod().toUpperCase(Locale.ROOT), request.getHttpURI().getPath(),
          request.getHttpURI().getQuery(), headers, body);
      HttpReply reply = dispatcher.handle(rpc);
      response.setStatus(reply.status());
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, reply.body().length);
      response.write(true, ByteBuffer.wrap(reply.body()), callback);
      return true;
    }
  }
}
