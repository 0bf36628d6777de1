package dev.openeci.server;

import dev.openeci.api.action.ActionHandler;
import dev.openeci.api.action.CreateContainerGroupAction;
import dev.openeci.api.action.CreateImageCacheAction;
import dev.openeci.api.action.DeleteImageCacheAction;
import dev.openeci.api.action.DescribeImageCachesAction;
import dev.openeci.api.action.DeleteContainerGroupAction;
import dev.openeci.api.action.DescribeContainerGroupEventsAction;
import dev.openeci.api.action.DescribeContainerLogAction;
import dev.openeci.api.action.ExecContainerCommandAction;
import dev.openeci.api.action.ExecLimits;
import dev.openeci.api.action.DescribeContainerGroupStatusAction;
import dev.openeci.api.action.DescribeContainerGroupsAction;
import dev.openeci.api.action.DescribeRegionsAction;
import dev.openeci.api.action.RestartContainerGroupAction;
import dev.openeci.api.action.UpdateContainerGroupAction;
import dev.openeci.api.rpc.Authenticator;
import dev.openeci.api.rpc.CredentialStore;
import dev.openeci.api.rpc.NonceCache;
import dev.openeci.api.rpc.RateLimiter;
import dev.openeci.api.rpc.ResponseWriter;
import dev.openeci.backend.PodBackend;
import dev.openeci.backend.local.LocalBackend;
import dev.openeci.config.ServerConfig;
import dev.openeci.group.ContainerAccess;
import dev.openeci.group.GroupService;
import dev.openeci.imagecache.ImageCacheRepository;
import dev.openeci.imagecache.ImageCacheService;
import dev.openeci.reconcile.EventRecorder;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.store.AccessKeyRepository;
import dev.openeci.store.AccessKeyRepository.AccessKey;
import dev.openeci.store.Database;
import dev.openeci.store.GroupRepository;
import dev.openeci.store.NonceRepository;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every component from a {@link ServerConfig} and a backend (where
 * groups run: the local engine or a Kubernetes cluster), starts them in order (store, backend with
 * adoption of what already runs, HTTP), and stops them in reverse. No static state: tests start several in one JVM.
 */
public final class OpenEci implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OpenEci.class);

  private final ServerConfig config;
  private final Database db;
  private final GroupRepository groups;
  private final AccessKeyRepository keys;
  private final AccessKey adminKey;
  private final PodBackend backend;
  private final HttpServer http;
  private final ExecSessions execSessions;
  private final ImageCacheService imageCaches;
  private final dev.openeci.commit.CommitService commits; // CommitContainer (commit-images); null on Kubernetes
  // data caches (docs/data-caches.md); null on the Kubernetes backend
  private final dev.openeci.datacache.DataCacheService dataCaches;
  // operations endpoints and metrics (docs/operations.md)
  private final dev.openeci.ops.Telemetry telemetry = new dev.openeci.ops.Telemetry();
  private final dev.openeci.ops.Readiness readiness;
  // metrics, available resources and prices (docs/metrics.md); null sampler = not the local backend
  private final dev.openeci.metrics.MetricsSampler metrics;

  public OpenEci(ServerConfig config, ContainerRuntime runtime, InstantSource clock, Map<String, String> env,
      PrintStream out) {
    this(config, runtime, clock, env, out, ExecLimits.DEFAULT);
  }

  /** The local backend on {@code runtime}, with the ExecContainerCommand bounds ({@code serve --exec-*}). */
  public OpenEci(ServerConfig config, ContainerRuntime runtime, InstantSource clock, Map<String, String> env,
      PrintStream out, ExecLimits execLimits) {
    this(config, local(runtime), clock, env, out, execLimits);
  }

  /** The local backend: groups run on {@code runtime}. */
  public static PodBackend.Factory local(ContainerRuntime runtime) {
    return ctx -> new LocalBackend(ctx.config(), runtime, ctx.groups(), ctx.events(), ctx.clock(), ctx.instanceId(),
        ctx.telemetry());
  }

  /** Any backend: {@code backendFactory} builds it from the store, events, clock and instance id. */
  public OpenEci(ServerConfig config, PodBackend.Factory backendFactory, InstantSource clock,
      Map<String, String> env, PrintStream out, ExecLimits execLimits) {
    this.config = config;
    this.db = Database.open(config.dataDir().resolve("openeci.db"),
        dev.openeci.store.SecretBox.keyFile(config.dataDir(), env));
    this.groups = new GroupRepository(db);
    this.keys = new AccessKeyRepository(db);
    this.adminKey = Bootstrap.ensureAdminKey(keys, config.dataDir(), env, out);
    EventRecorder events = new EventRecorder(groups, clock);
    this.backend = backendFactory.apply(new PodBackend.Context(config, groups, events, clock,
        Bootstrap.instanceId(config.dataDir()), telemetry));
    telemetry.groups(groups);
    // quotas (serve --quota-*, passed in env; docs/quotas.md)
    dev.openeci.group.Quotas quotas = dev.openeci.group.Quotas.fromEnv(env);
    GroupService service = new GroupService(groups, clock, backend::wake, backend::validate, quotas);
    ContainerAccess access = new ContainerAccess(service, backend);
    this.execSessions = new ExecSessions(clock, execLimits);
    // Image caches are images pulled into the local engine ahead of time; a cluster's nodes pull
    // for themselves, so on Kubernetes the image cache actions answer UnsupportedOperation.
    this.imageCaches = backend instanceof LocalBackend local
        ? new ImageCacheService(new ImageCacheRepository(db), local.runtime(), clock,
            new dev.openeci.runtime.ImageAccess(config.dataDir().resolve("image-access"))).withQuotas(quotas)
        : null;
    // CommitContainer drives the local engine; on Kubernetes the commit actions answer UnsupportedOperation.
    this.commits = backend instanceof LocalBackend local ? new dev.openeci.commit.CommitService(
        new dev.openeci.commit.CommitTaskRepository(db), service, local.runtime(), clock) : null;
    // metrics (docs/metrics.md): engine stats of running groups, sampled only on the local backend
    dev.openeci.metrics.PriceBook priceBook = dev.openeci.metrics.MetricsSettings.priceBook(env);
    this.metrics = backend instanceof LocalBackend local
        ? new dev.openeci.metrics.MetricsSampler(local.runtime(), Bootstrap.instanceId(config.dataDir()), clock,
            dev.openeci.metrics.MetricsSettings.options(env))
        : null;
    this.dataCaches = backend instanceof LocalBackend
        ? new dev.openeci.datacache.DataCacheService(new dev.openeci.datacache.DataCacheRepository(db),
            dev.openeci.datacache.DataCachePolicy.fromEnv(env), config.dataDir(), clock)
            .withQuota(used -> service.quotas().checkDataCaches(used))
        : null;
    CredentialStore credentials = id -> keys.find(id)
        .map(k -> new CredentialStore.Credential(k.accessKeyId(), k.secret(), k.accountId()));
    List<ActionHandler> handlers = new java.util.ArrayList<>(List.of(
        new CreateContainerGroupAction(service, config::zoneOf, config.pod(), imageCaches,
            (groupId, reason, message) -> events.normal(groupId, "", reason, message)).withDataCaches(dataCaches),
        new DescribeContainerGroupsAction(groups, clock),
        new DescribeContainerGroupStatusAction(groups, clock),
        new DescribeContainerGroupEventsAction(groups, clock),
        new RestartContainerGroupAction(service),
        new UpdateContainerGroupAction(service, config::zoneOf, config.pod()).withDataCaches(dataCaches),
        new DeleteContainerGroupAction(service),
        new DescribeRegionsAction(config.regions(), config::zoneOf, config.listenHost() + ":" + config.listenPort()),
        new DescribeContainerLogAction(access),
        new ExecContainerCommandAction(access, execSessions, execLimits),
        new CreateImageCacheAction(imageCaches),
        new DescribeImageCachesAction(imageCaches),
        new DeleteImageCacheAction(imageCaches),
        // commit-images: commit/push, image cache update, volume resize (docs/images.md)
        new dev.openeci.api.action.UpdateImageCacheAction(imageCaches),
        new dev.openeci.api.action.CommitContainerAction(commits),
        new dev.openeci.api.action.DescribeCommitContainerTaskAction(commits),
        new dev.openeci.api.action.ResizeContainerGroupVolumeAction(service, !(backend instanceof LocalBackend)),
        // tags and quotas (docs/tags.md, docs/quotas.md)
        new dev.openeci.api.action.TagResourcesAction(service, groups, imageCaches),
        new dev.openeci.api.action.UntagResourcesAction(service, groups, imageCaches),
        new dev.openeci.api.action.ListTagResourcesAction(service, groups, imageCaches),
        new dev.openeci.api.action.ListUsageAction(service, imageCaches,
            (account, region) -> dataCaches == null ? 0L : dataCaches.count(account, region)),
        // metrics, available resources, price (docs/metrics.md)
        new dev.openeci.api.action.DescribeContainerGroupMetricAction(groups, metrics, clock),
        new dev.openeci.api.action.DescribeMultiContainerGroupMetricAction(groups, metrics),
        new dev.openeci.api.action.DescribeAvailableResourceAction(groups,
            backend instanceof LocalBackend local ? local.runtime()::capacity : null, priceBook, config::zoneOf),
        new dev.openeci.api.action.DescribeContainerGroupPriceAction(priceBook, config::zoneOf)));
    // data caches, ops tasks, virtual nodes (docs/data-caches.md, docs/ops-tasks.md)
    handlers.addAll(dev.openeci.api.action.DataCacheActions.all(dataCaches, config.regions()));
    handlers.addAll(dev.openeci.api.action.OpsTaskActions.all(new dev.openeci.opstask.OpsTaskService(db,
        backend instanceof LocalBackend l ? l.runtime() : null,
        (groupId, owner) -> service.find(owner[0], owner[1], groupId), clock)));
    handlers.addAll(dev.openeci.api.action.VirtualNodeActions.all());
    ApiDispatcher dispatcher = new ApiDispatcher(handlers, authenticator(config, db, credentials, clock),
        new ResponseWriter(env.get(ResponseWriter.RECOMMEND_ENV)), config);
    this.http = new HttpServer(config.listenHost(), config.listenPort(), dispatcher, execSessions, config.edge());
    // operations endpoints: /healthz, /readyz, /metrics, the access log (dev.openeci.ops)
    dispatcher.observe(new dev.openeci.ops.ApiCalls(telemetry));
    telemetry.actions(dispatcher.actions());
    this.readiness = new dev.openeci.ops.Readiness(dev.openeci.ops.Readiness.database(db),
        java.time.Duration.ofSeconds(2)).backend(backend::unready);
    http.before(api -> new dev.openeci.ops.OpsHandler(telemetry, readiness, api));
  }

  /** Signatures with nonces persisted in the store (a replay after a restart is refused) and rate limits. */
  static Authenticator authenticator(ServerConfig config, Database db, CredentialStore credentials,
      InstantSource clock) {
    NonceRepository repo = new NonceRepository(db);
    repo.deleteExpired(clock.instant());
    NonceCache.Store store = nonceStore(repo);
    var edge = config.edge();
    NonceCache nonces = new NonceCache(Authenticator.WINDOW, edge.maxNoncesPerKey(), edge.maxNonces(), store,
        clock.instant());
    return new Authenticator(credentials, clock, nonces, new RateLimiter(edge.ratePerSecond(), edge.rateBurst()),
        edge.v3UnsignedHost());
  }

  /** The nonce cache's durable side: the {@code nonces} table. */
  public static NonceCache.Store nonceStore(NonceRepository repo) {
    return new NonceCache.Store() {
      @Override
      public List<NonceCache.Entry> load(java.time.Instant now) {
        return repo.unexpired(now).stream()
            .map(r -> new NonceCache.Entry(r.digest(), r.accessKeyId(), r.expiresAt())).toList();
      }

      @Override
      public void insert(NonceCache.Entry e) {
        repo.insert(new NonceRepository.Row(e.digest(), e.accessKeyId(), e.expiresAt()));
      }

      @Override
      public void deleteExpired(java.time.Instant now) {
        repo.deleteExpired(now);
      }
    };
  }

  /** {@code /readyz}: a backend sets its own check with {@code readiness().backend(...)}. */
  public dev.openeci.ops.Readiness readiness() {
    return readiness;
  }

  /** This server's metrics (what {@code /metrics} shows). */
  public dev.openeci.ops.Telemetry telemetry() {
    return telemetry;
  }

  public OpenEci start() throws Exception {
    backend.start();
    if (metrics != null) metrics.start();
    http.start();
    String host = http.address().getHostString();
    execSessions.baseUri("ws://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + http.address().getPort());
    log.info("openeci serving the ECI API (2018-08-08) on http://{}:{} for regions {}; backend: {}; data: {}",
        http.address().getHostString(), http.address().getPort(), config.regions(), backend.describe(),
        config.dataDir());
    return this;
  }

  public InetSocketAddress address() {
    return http.address();
  }

  public AccessKey adminKey() {
    return adminKey;
  }

  public AccessKeyRepository accessKeys() {
    return keys;
  }

  public GroupRepository groups() {
    return groups;
  }

  /** The metrics sampler (local backend only). */
  public Optional<dev.openeci.metrics.MetricsSampler> metrics() {
    return Optional.ofNullable(metrics);
  }

  /** Asks for a sync of one group now (what an engine event or a timer would do). */
  public void wake(String groupId) {
    backend.wake(groupId);
  }

  public boolean idle() {
    return backend.idle();
  }

  /** Where groups run. */
  public PodBackend backend() {
    return backend;
  }

  /** The local engine, when groups run on one. */
  public Optional<ContainerRuntime> runtime() {
    return backend instanceof LocalBackend local ? Optional.of(local.runtime()) : Optional.empty();
  }

  @Override
  public void close() throws Exception {
    log.info("openeci stopping");
    http.close();
    if (metrics != null) metrics.close();
    backend.close();
    if (imageCaches != null) imageCaches.close();
    if (commits != null) commits.close();
    if (dataCaches != null) dataCaches.close();
    db.close();
    telemetry.close();
  }
}
