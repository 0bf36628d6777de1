package dev.openeci.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.api.action.ActionContext;
import dev.openeci.api.action.ActionHandler;
import dev.openeci.api.rpc.Authenticator;
import dev.openeci.api.rpc.CredentialStore;
import dev.openeci.api.rpc.HttpReply;
import dev.openeci.api.rpc.Pct;
import dev.openeci.api.rpc.RequestParameters;
import dev.openeci.api.rpc.ResponseWriter;
import dev.openeci.api.rpc.RpcRequest;
import dev.openeci.api.rpc.Signatures;
import dev.openeci.config.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The request pipeline's error rules, end to end through the dispatcher (no HTTP, no engine). */
class ApiDispatcherTest {
  static final Instant NOW = Instant.parse("2026-11-22T11:00:00Z");
  static final AtomicInteger NONCE = new AtomicInteger();

  final AtomicInteger calls = new AtomicInteger();
  final ApiDispatcher dispatcher = new ApiDispatcher(List.of(
      handler("Echo", ctx -> Map.of("Account", ctx.accountId(), "Region", ctx.regionId())),
      handler("Boom", ctx -> {
        throw new IllegalStateException("secret internals /etc/openeci at line 42");
      }),
      handler("EngineDown", ctx -> {
        throw new dev.openeci.runtime.RuntimeFailure("list containers: connection refused to /run/podman/podman.sock");
      })),
      new Authenticator(id -> id.equals("ak") ? Optional.of(new CredentialStore.Credential("ak", "sk", "acct"))
          : Optional.empty(), InstantSource.fixed(NOW)),
      new ResponseWriter(),
      new ServerConfig("127.0.0.1", 0, Path.of("/tmp"), List.of("cn-hangzhou", "cn-beijing"), null,
          Duration.ofSeconds(60), 1));

  ActionHandler handler(String name, java.util.function.Function<ActionContext, Object> f) {
    return new ActionHandler() {
      @Override
      public String action() {
        return name;
      }

      @Override
      public Object handle(ActionContext ctx) {
        calls.incrementAndGet();
        return f.apply(ctx);
      }
    };
  }

  static RpcRequest signed(String method, Map<String, String> extra) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("Action", "Echo");
    p.put("Version", "2018-08-08");
    p.put("AccessKeyId", "ak");
    p.put("SignatureMethod", "HMAC-SHA1");
    p.put("SignatureVersion", "1.0");
    p.put("SignatureNonce", "n" + NONCE.incrementAndGet());
    p.put("Timestamp", "2026-11-22T11:00:00Z");
    p.putAll(extra);
    p.values().removeIf(v -> v == null);
    List<RequestParameters.Pair> pairs = new ArrayList<>();
    p.forEach((k, v) -> pairs.add(new RequestParameters.Pair(k, v)));
    String sig = Signatures.v1Sign("sk", Signatures.v1StringToSign(method, pairs, false));
    StringBuilder q = new StringBuilder();
    p.forEach((k, v) -> q.append(q.length() == 0 ? "" : "&").append(Pct.encode(k)).append('=').append(Pct.encode(v)));
    q.append("&Signature=").append(Pct.encode(sig));
    return new RpcRequest(method, "/", q.toString(), Map.of("host", "h:1"), new byte[0]);
  }

  static Map<String, String> with(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  JsonNode json(HttpReply r) throws Exception {
    return new ObjectMapper().readTree(r.body());
  }

  record Case(String name, RpcRequest request, int status, String code) {}

  @Test
  void errorTable() throws Exception {
    List<Case> cases = List.of(
        new Case("ok", signed("GET", with()), 200, null),
        new Case("POST ok", signed("POST", with()), 200, null),
        new Case("unknown action", signed("GET", with("Action", "RunInstances")), 404, "InvalidAction.NotFound"),
        new Case("missing action", signed("GET", with("Action", null)), 400, "MissingParameter"),
        new Case("wrong version", signed("GET", with("Version", "2014-05-26")), 400, "InvalidVersion"),
        new Case("missing version", signed("GET", with("Version", null)), 400, "MissingParameter"),
        new Case("unknown region", signed("GET", with("RegionId", "us-west-1")), 400, "InvalidRegionId"),
        new Case("bad method", new RpcRequest("DELETE", "/", "", Map.of(), new byte[0]), 400, "UnsupportedHTTPMethod"),
        new Case("unsigned", new RpcRequest("GET", "/", "Action=Echo&Version=2018-08-08", Map.of(), new byte[0]), 400,
            "IncompleteSignature"),
        new Case("internal error", signed("GET", with("Action", "Boom")), 500, "InternalError"),
        new Case("engine failure on the request path", signed("GET", with("Action", "EngineDown")), 503,
            "ServiceUnavailable"));
    for (Case c : cases) {
      HttpReply r = dispatcher.handle(c.request());
      assertThat(r.status()).as(c.name()).isEqualTo(c.status());
      assertThat(r.contentType()).as(c.name()).startsWith("application/json");
      JsonNode j = json(r);
      assertThat(j.get("RequestId").asText()).as(c.name()).isNotBlank();
      if (c.code() != null) {
        assertThat(j.get("Code").asText()).as(c.name()).isEqualTo(c.code());
        assertThat(j.has("HostId") && j.has("Message") && j.has("Recommend")).as(c.name()).isTrue();
        assertThat(new String(r.body())).as(c.name()).doesNotContain("Exception").doesNotContain("/etc/openeci")
            .doesNotContain("\tat ");
      }
    }
  }

  @Test
  void regionDefaultsToTheFirstServedOne() throws Exception {
    JsonNode j = json(dispatcher.handle(signed("GET", with())));
    assertThat(j.get("Region").asText()).isEqualTo("cn-hangzhou");
    assertThat(j.get("Account").asText()).isEqualTo("acct");
    assertThat(json(dispatcher.handle(signed("GET", with("RegionId", "cn-beijing")))).get("Region").asText())
        .isEqualTo("cn-beijing");
  }

  @Test
  void rejectedRequestsNeverReachAHandler() {
    calls.set(0);
    dispatcher.handle(signed("GET", with("Action", "RunInstances")));
    dispatcher.handle(new RpcRequest("GET", "/", "Action=Echo&Version=2018-08-08&Signature=x&AccessKeyId=ak"
        + "&Timestamp=2026-11-22T11:00:00Z&SignatureNonce=z", Map.of(), new byte[0]));
    assertThat(calls.get()).isZero();
  }
}
