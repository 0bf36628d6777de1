package dev.openeci.group;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * What a probe or lifecycle hook does: exactly one of run a command, GET a URL, or open a TCP
 * connection (Kubernetes' handler, as ECI passes it through).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({@JsonSubTypes.Type(value = Action.Exec.class, name = "exec"),
    @JsonSubTypes.Type(value = Action.HttpGet.class, name = "httpGet"),
    @JsonSubTypes.Type(value = Action.TcpSocket.class, name = "tcpSocket")})
public sealed interface Action {

  record Exec(List<String> command) implements Action {
    public Exec {
      command = Lists.copy(command);
    }
  }

  /** {@code scheme} HTTP or HTTPS; {@code host} null = the group's IP. */
  record HttpGet(String host, Integer port, String path, String scheme, List<Header> headers) implements Action {
    public HttpGet {
      headers = Lists.copy(headers);
    }
  }

  record TcpSocket(String host, Integer port) implements Action {}

  record Header(String name, String value) {}
}
