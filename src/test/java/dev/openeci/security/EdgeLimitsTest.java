package dev.openeci.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.api.action.ActionContext;
import dev.openeci.api.action.ActionHandler;
import dev.openeci.error.ApiException;
import dev.openeci.api.rpc.Authenticator;
import dev.openeci.api.rpc.CredentialStore;
import dev.openeci.api.rpc.HttpReply;
import dev.openeci.api.rpc.NonceCache;
import dev.openeci.api.rpc.RateLimiter;
import dev.openeci.api.rpc.RequestParameters;
import dev.openeci.api.rpc.ResponseWriter;
import dev.openeci.api.rpc.RpcRequest;
import dev.openeci.config.EdgeConfig;
import dev.openeci.config.ServerConfig;
import dev.openeci.server.ApiDispatcher;
import dev.openeci.server.ExecSessions;
import dev.openeci.server.HttpServer;
import dev.openeci.testing.ApiHarness;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The configurable bounds of the edge: read deadline, rate limit, parameter limits. */
@Timeout(120)
class EdgeLimitsTest {
  final AtomicInteger served = new AtomicInteger();

  ApiDispatcher dispatcher(RateLimiter limiter) {
    return dispatcher(limiter, EdgeConfig.DEFAULT);
  }

  ApiDispatcher dispatcher(RateLimiter limiter, EdgeConfig edge) {
    CredentialStore keys = id -> switch (id) {
      case ApiHarness.KEY -> Optional.of(new CredentialStore.Credential(id, ApiHarness.SECRET, "acct-a"));
      default -> Optional.empty();
    };
    ActionHandler echo = new ActionHandler() {
      @Override
      public String action() {
        return "DescribeContainerGroups";
      }

      @Override
      public Object handle(ActionContext ctx) {
        served.incrementAndGet();
        return Map.of("TotalCount", 0);
      }
    };
    return new ApiDispatcher(List.of(echo), new Authenticator(keys, InstantSource.system(),
        new NonceCache(Authenticator.WINDOW, 1000), limiter, false), new ResponseWriter(),
        new ServerConfig("127.0.0.1", 0, Path.of("/tmp"), List.of("cn-hangzhou"), null, Duration.ofSeconds(60), 1,
            dev.openeci.config.PodPolicy.DEFAULT, edge));
  }

  static RpcRequest signed() {
    return new RpcRequest("POST", "/", ApiHarness.signedQuery("DescribeContainerGroups", Map.of("RegionId",
        "cn-hangzhou")), Map.of("host", "h"), new byte[0]);
  }

  static JsonNode json(HttpReply r) throws Exception {
    return new ObjectMapper().readTree(r.body());
  }

  /** Past its burst an account is answered Throttling.User (HTTP 400, as Alibaba's gateway answers). */
  @Test
  void anAccountPastItsRateIsThrottled() throws Exception {
    ApiDispatcher d = dispatcher(new RateLimiter(0.001, 5));
    for (int i = 0; i < 5; i++) assertThat(d.handle(signed()).status()).isEqualTo(200);
    HttpReply r = d.handle(signed());
    assertThat(r.status()).isEqualTo(400);
    assertThat(json(r).get("Code").asText()).isEqualTo("Throttling.User");
    assertThat(served.get()).isEqualTo(5);
  }

  /** An address that keeps failing to authenticate is refused unread; other addresses are not. */
  @Test
  void anAddressWithTooManyFailedAuthenticationsIsRefused() throws Exception {
    ApiDispatcher d = dispatcher(RateLimiter.unlimited(), EdgeConfig.DEFAULT.withAuthFailures(0.001, 5));
    RpcRequest bad = new RpcRequest("POST", "/", signed().rawQuery().replaceAll("Signature=[^&]*$", "Signature=x"),
        Map.of("host", "h"), new byte[0]);
    for (int i = 0; i < 5; i++) {
      assertThat(json(d.handle(bad, "192.0.2.7")).get("Code").asText()).isEqualTo("SignatureDoesNotMatch");
    }
    HttpReply refused = d.handle(signed(), "192.0.2.7");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(json(refused).get("Code").asText()).isEqualTo("Throttling");
    assertThat(d.handle(signed(), "192.0.2.8").status()).as("another address").isEqualTo(200);
    assertThat(served.get()).isEqualTo(1);
  }

  /** A body that stops arriving is answered 408 in the envelope after the read timeout. */
  @Test
  void aBodyThatNeverCompletesTimesOut() throws Exception {
    ApiHarness api = new ApiHarness(java.nio.file.Files.createTempDirectory("edge"));
    EdgeConfig edge = EdgeConfig.DEFAULT.withReadTimeout(Duration.ofSeconds(2));
    HttpServer server = new HttpServer("127.0.0.1", 0, api.dispatcher(), new ExecSessions(
        InstantSource.system()), edge);
    server.start();
    try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nAction=").getBytes());
      s.getOutputStream().flush();
      long t0 = System.nanoTime();
      EdgeAttackTest.Reply r = EdgeAttackTest.readResponse(s.getInputStream());
      assertThat(r.status()).isEqualTo(408);
      assertThat(new ObjectMapper().readTree(r.body()).get("Code").asText()).isEqualTo("RequestTimeout");
      System.out.printf("stalled body: 408 after %d ms (read timeout 2 s)%n", (System.nanoTime() - t0) / 1_000_000);
    } finally {
      server.close();
      api.close();
    }
  }

  @Test
  void parameterCountNameAndDepthAreBounded() {
    RequestParameters.Limits limits = new RequestParameters.Limits(50, 300);
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 51; i++) many.append(i == 0 ? "" : "&").append("P").append(i).append("=x");
    assertRefused(many.toString(), limits, "more than 50 parameters");
    assertRefused("A=" + "v".repeat(301), limits, "\"A\"");
    assertRefused("A=" + "%41".repeat(301), limits, "\"A\"");
    assertRefused("K" + "k".repeat(300) + "=v", limits, "longer than 256");
    assertRefused("A" + ".B".repeat(17) + "=v", limits, "nested");
    assertRefused("A%00B=v", limits, "letters, digits");
    assertThat(RequestParameters.parse(new RpcRequest("GET", "/", "A" + ".B".repeat(15) + "=v&C.1.D=" + "v".repeat(300),
        Map.of(), new byte[0]), limits).pairs()).hasSize(2);
  }

  static void assertRefused(String query, RequestParameters.Limits limits, String mentions) {
    assertThatThrownBy(() -> RequestParameters.parse(new RpcRequest("GET", "/", query, Map.of(), new byte[0]), limits))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.code()).isEqualTo("InvalidParameter");
          assertThat(e.getMessage()).contains(mentions);
          assertThat(e.getMessage().length()).isLessThan(400);
        });
  }

  static TreeMap<String, String> unused() {
    return new TreeMap<>();
  }
}
