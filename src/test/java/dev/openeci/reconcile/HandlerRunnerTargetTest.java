package dev.openeci.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.openeci.group.Action;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A lifecycle handler's Host cannot make openeci (which runs them on the host's network) reach
 * anything but the group itself: the attack is a postStart/preStop HttpGet or TcpSocket whose Host
 * names a service on the host's loopback (or any other address), a blind server-side request
 * forgery. Two real HTTP servers on loopback stand for "the host's service" (127.0.0.1) and "the
 * group" (127.0.0.2, its IntranetIp here).
 */
class HandlerRunnerTargetTest {
  static final String POD_IP = "127.0.0.2";
  HttpServer hostService;
  HttpServer group;
  final AtomicInteger hostHits = new AtomicInteger();
  final AtomicInteger groupHits = new AtomicInteger();
  int port;

  @BeforeEach
  void start() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    hostService = server("127.0.0.1", hostHits);
    group = server(POD_IP, groupHits);
  }

  HttpServer server(String ip, AtomicInteger hits) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress(ip, port), 0);
    s.createContext("/", ex -> {
      hits.incrementAndGet();
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    s.start();
    return s;
  }

  @AfterEach
  void stop() {
    hostService.stop(0);
    group.stop(0);
  }

  @Test
  void httpGetWithTheHostsLoopbackAsHostReachesTheGroupNotTheHost() {
    HandlerRunner runner = new HandlerRunner(null);
    var r = runner.run(new Action.HttpGet("127.0.0.1", port, "/admin", "HTTP", List.of()), "c", POD_IP,
        Duration.ofSeconds(5));
    assertThat(r.ok()).as(r.message()).isTrue();
    assertThat(hostHits).hasValue(0);
    assertThat(groupHits).hasValue(1);
  }

  @Test
  void httpGetAndTcpSocketToAnotherAddressAreRefusedWithoutConnecting() {
    HandlerRunner runner = new HandlerRunner(null);
    var http = runner.run(new Action.HttpGet("127.0.0.1.nip.io", port, "/", "HTTP", List.of()), "c", POD_IP,
        Duration.ofSeconds(5));
    var tcp = runner.run(new Action.TcpSocket("192.0.2.10", port), "c", POD_IP, Duration.ofSeconds(5));
    assertThat(http.ok()).isFalse();
    assertThat(http.message()).contains("is refused").contains(POD_IP);
    assertThat(tcp.ok()).isFalse();
    assertThat(tcp.message()).contains("Host \"192.0.2.10\" is refused");
    assertThat(hostHits).hasValue(0);
    assertThat(groupHits).hasValue(0);
  }

  @ParameterizedTest
  @CsvSource(nullValues = "null", value = {
      "null, 10.88.0.5", "'', 10.88.0.5", "localhost, 10.88.0.5", "LOCALHOST, 10.88.0.5", "127.0.0.1, 10.88.0.5",
      "127.9.9.9, 10.88.0.5", "::1, 10.88.0.5", "[::1], 10.88.0.5", "10.88.0.5, 10.88.0.5",
      "10.88.0.6, null", "169.254.169.254, null", "0.0.0.0, null", "example.com, null", "10.88.0.50, null"})
  void target(String host, String expected) {
    assertThat(HandlerRunner.target(host, "10.88.0.5")).isEqualTo(expected);
  }
}
