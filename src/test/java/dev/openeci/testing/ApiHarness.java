package dev.openeci.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.api.action.CreateContainerGroupAction;
import dev.openeci.api.action.DeleteContainerGroupAction;
import dev.openeci.api.action.DescribeContainerGroupEventsAction;
import dev.openeci.api.action.DescribeContainerGroupStatusAction;
import dev.openeci.api.action.DescribeContainerGroupsAction;
import dev.openeci.api.action.DescribeRegionsAction;
import dev.openeci.api.action.RestartContainerGroupAction;
import dev.openeci.api.action.UpdateContainerGroupAction;
import dev.openeci.api.rpc.Authenticator;
import dev.openeci.api.rpc.CredentialStore;
import dev.openeci.api.rpc.HttpReply;
import dev.openeci.api.rpc.Pct;
import dev.openeci.api.rpc.RequestParameters;
import dev.openeci.api.rpc.ResponseWriter;
import dev.openeci.api.rpc.RpcRequest;
import dev.openeci.api.rpc.Signatures;
import dev.openeci.config.ServerConfig;
import dev.openeci.group.GroupService;
import dev.openeci.server.ApiDispatcher;
import dev.openeci.store.Database;
import dev.openeci.store.GroupRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real API pipeline (dispatcher, authentication, handlers, mapping, service) over the real
 * SQLite store, without HTTP or an engine: the worker is not running, so what a request created is
 * exactly what the store holds. Requests are V1-signed like the SDKs sign them.
 */
public final class ApiHarness implements AutoCloseable {
  public static final String KEY = "harness-ak";
  public static final String SECRET = "harness-sk";
  private static final AtomicLong NONCE = new AtomicLong();

  public final Database db;
  public final GroupRepository repo;
  public final GroupService service;
  public final List<String> woken = new CopyOnWriteArrayList<>();
  /** Image caches ImageSnapshotId names (no engine: caches are inserted by the test in the state it needs). */
  public final dev.openeci.imagecache.ImageCacheRepository imageCaches;
  private final dev.openeci.imagecache.ImageCacheService cacheService;
  /**
   * The clock of the service and the Describe actions (creation times, ages, status rules): a test
   * moves it instead of sleeping. Request signatures are checked against the wall clock.
   */
  public final ManualClock clock = new ManualClock();
  /** The harness's DescribeContainerGroups handler (its view cache is per instance). */
  public final DescribeContainerGroupsAction describeGroups;
  private final ApiDispatcher dispatcher;
  private final ObjectMapper json = new ObjectMapper();

  public ApiHarness(Path dir) {
    db = Database.open(dir.resolve("openeci.db"));
    repo = new GroupRepository(db);
    service = new GroupService(repo, clock, woken::add);
    imageCaches = new dev.openeci.imagecache.ImageCacheRepository(db);
    cacheService = new dev.openeci.imagecache.ImageCacheService(imageCaches, null, clock);
    // No limit on failed authentications per address: tests send many bad requests from one address.
    ServerConfig config = new ServerConfig("127.0.0.1", 0, dir, List.of("cn-hangzhou"), null, Duration.ofSeconds(60), 1,
        dev.openeci.config.PodPolicy.DEFAULT, dev.openeci.config.EdgeConfig.DEFAULT.withAuthFailures(0, 1));
    CredentialStore keys = id -> id.equals(KEY) ? Optional.of(new CredentialStore.Credential(KEY, SECRET, "acct"))
        : Optional.empty();
    describeGroups = new DescribeContainerGroupsAction(repo, clock);
    dispatcher = new ApiDispatcher(List.of(
        new CreateContainerGroupAction(service, config::zoneOf, dev.openeci.config.PodPolicy.DEFAULT, cacheService, null),
        describeGroups,
        new DescribeContainerGroupStatusAction(repo, clock),
        new DescribeContainerGroupEventsAction(repo, clock),
        new RestartContainerGroupAction(service),
        new UpdateContainerGroupAction(service, config::zoneOf),
        new DeleteContainerGroupAction(service),
        new DescribeRegionsAction(config.regions(), config::zoneOf, "127.0.0.1:8080")),
        new Authenticator(keys, InstantSource.system()), new ResponseWriter(), config);
  }

  public record Reply(int status, JsonNode body) {
    public String code() {
      return body.has("Code") ? body.get("Code").asText() : null;
    }
  }

  public Reply call(String action, Map<String, String> params) {
    return send(new RpcRequest("POST", "/", signedQuery(action, params), Map.of("host", "harness"), new byte[0]));
  }

  /** A V1 query string for POST, signed like the legacy and Node SDKs sign (empty values included). */
  public static String signedQuery(String action, Map<String, String> params) {
    Map<String, String> p = new TreeMap<>(params);
    p.put("Action", action);
    p.put("Version", "2018-08-08");
    p.put("AccessKeyId", KEY);
    p.put("SignatureMethod", "HMAC-SHA1");
    p.put("SignatureVersion", "1.0");
    p.putIfAbsent("SignatureNonce", "n" + NONCE.incrementAndGet());
    p.put("Timestamp", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    List<RequestParameters.Pair> pairs = new ArrayList<>();
    p.forEach((k, v) -> pairs.add(new RequestParameters.Pair(k, v)));
    String sig = Signatures.v1Sign(SECRET, Signatures.v1StringToSign("POST", pairs, false));
    StringBuilder q = new StringBuilder();
    p.forEach((k, v) -> q.append(q.length() == 0 ? "" : "&").append(Pct.encode(k)).append('=').append(Pct.encode(v)));
    q.append("&Signature=").append(Pct.encode(sig));
    return q.toString();
  }

  public ApiDispatcher dispatcher() {
    return dispatcher;
  }

  /** Any request, as the dispatcher answers it (status and the parsed body). */
  public Reply send(RpcRequest request) {
    HttpReply r = dispatcher.handle(request);
    try {
      return new Reply(r.status(), r.contentType().startsWith("text/xml") ? json.createObjectNode()
          .put("Xml", new String(r.body(), java.nio.charset.StandardCharsets.UTF_8)) : json.readTree(r.body()));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Number of client tokens stored (idempotency records). */
  public int tokenCount() {
    return db.read(c -> {
      try (var rs = c.createStatement().executeQuery("SELECT count(*) FROM client_tokens")) {
        return rs.getInt(1);
      }
    });
  }

  @Override
  public void close() {
    try {
      cacheService.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    db.close();
  }
}
