package dev.openeci.server;

import dev.openeci.api.action.ExecLimits;
import dev.openeci.config.ServerConfig;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.docker.DockerRuntime;
import dev.openeci.runtime.docker.EngineLocator;
import dev.openeci.store.AccessKeyRepository;
import dev.openeci.store.AccessKeyRepository.AccessKey;
import dev.openeci.store.Database;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The command line: {@code serve}, {@code accesskey create}, {@code cleanup}; the API client commands are in dev.openeci.cli. */
@Command(name = "openeci", mixinStandardHelpOptions = true, version = "openeci 0.1.0",
    description = "A self-hosted, Alibaba Cloud ECI-compatible container group service.",
    subcommands = {Main.Serve.class, Main.AccessKeyCmd.class, CleanupCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    // the API client commands (run, ps, logs, exec, ...) and --help on every command: dev.openeci.cli
    System.exit(dev.openeci.cli.Cli.install(new CommandLine(new Main())).execute(args));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  static Path dataDir(Path option) {
    return option != null ? option : ServerConfig.defaultDataDir();
  }

  /** The {@code --backend kubernetes} flags of {@code serve} (--kubeconfig, --k8s-*), in one place. */
  static final class KubernetesFlags {
    @Option(names = "--kubeconfig", description = "--backend kubernetes: the kubeconfig file (default: in-cluster"
        + " config when run as a pod, else $KUBECONFIG, else ~/.kube/config)")
    Path kubeconfig;

    @Option(names = "--k8s-service-type", defaultValue = "NodePort", description = "--backend kubernetes: the"
        + " Service made for a group with AutoCreateEip/EipInstanceId: NodePort, LoadBalancer or None (default"
        + " ${DEFAULT-VALUE})")
    String k8sServiceType;

    @Option(names = "--k8s-storage-class", description = "--backend kubernetes: the StorageClass of the"
        + " PersistentVolumeClaims DiskVolume/FlexVolume become (default: none, they are refused with"
        + " Forbidden.PersistentVolume)")
    String k8sStorageClass;

    @Option(names = "--k8s-node-map", description = "--backend kubernetes: JSON file mapping InstanceType, spot"
        + " strategy and zone to nodeSelector/tolerations (docs/kubernetes.md)")
    Path k8sNodeMap;

    @Option(names = "--k8s-request-percent", defaultValue = "100", description = "--backend kubernetes: CPU and"
        + " memory requests in percent of the limits, 1..100 (default ${DEFAULT-VALUE}: requests = limits, the"
        + " resources ECI guarantees; lower values overcommit nodes, for development clusters)")
    int k8sRequestPercent;

    /** The Kubernetes backend: a fabric8 client from --kubeconfig (else fabric8's auto-configuration). */
    dev.openeci.backend.PodBackend.Factory backend(dev.openeci.config.PodPolicy policy, CommandLine command) {
      io.fabric8.kubernetes.client.Config k8s;
      if (kubeconfig != null) {
        if (!java.nio.file.Files.isReadable(kubeconfig)) {
          throw new CommandLine.ParameterException(command, "--kubeconfig: " + kubeconfig
              + " is not a readable file");
        }
        k8s = io.fabric8.kubernetes.client.Config.fromKubeconfig(null, kubeconfig.toFile());
      } else {
        k8s = io.fabric8.kubernetes.client.Config.autoConfigure(null);
      }
      try { // the flags are checked before anything starts
        dev.openeci.backend.kubernetes.KubernetesOptions.fromFlags("check", k8sServiceType, k8sStorageClass,
            k8sNodeMap, policy).withRequestPercent(k8sRequestPercent);
      } catch (IllegalArgumentException | java.io.IOException e) {
        throw new CommandLine.ParameterException(command, e.getMessage());
      }
      io.fabric8.kubernetes.client.KubernetesClient client =
          new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(k8s).build();
      return dev.openeci.backend.kubernetes.KubernetesBackend.factory(client, instanceId -> {
        try {
          return dev.openeci.backend.kubernetes.KubernetesOptions.fromFlags(instanceId, k8sServiceType,
              k8sStorageClass, k8sNodeMap, policy).withRequestPercent(k8sRequestPercent);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
    }

  }

  @Command(name = "serve", description = "Serve the ECI API and run container groups on the local engine.")
  static final class Serve implements Callable<Integer> {
    @Option(names = "--listen", description = "HOST:PORT to listen on (default ${DEFAULT-VALUE}; env OPENECI_LISTEN)",
        defaultValue = "${env:OPENECI_LISTEN:-127.0.0.1:8080}")
    String listen;

    @Option(names = "--data-dir", description = "Data directory (default /var/lib/openeci as root, else"
        + " ~/.local/share/openeci; env OPENECI_DATA_DIR)")
    Path dataDir;

    @Option(names = "--region", split = ",", description = "Regions served, first is the default"
        + " (default ${DEFAULT-VALUE}; env OPENECI_REGIONS)", defaultValue = "${env:OPENECI_REGIONS:-cn-hangzhou}")
    List<String> regions;

    @Option(names = "--engine", description = "Docker API endpoint, e.g. unix:///run/podman/podman.sock"
        + " (default: DOCKER_HOST, then /run/podman/podman.sock, then /var/run/docker.sock)")
    String engine;

    @Option(names = "--backend", defaultValue = "${env:OPENECI_BACKEND:-local}", description = "Where container"
        + " groups run: local (the Docker-API engine on this host) or kubernetes (a Pod per group on a cluster;"
        + " docs/kubernetes.md). Default ${DEFAULT-VALUE}; env OPENECI_BACKEND")
    String backend;

    @CommandLine.Mixin
    KubernetesFlags k8s = new KubernetesFlags();

    @Option(names = "--resync-seconds", defaultValue = "60", description = "Safety-net relist period (default ${DEFAULT-VALUE})")
    int resyncSeconds;

    @Option(names = "--workers", defaultValue = "8", description = "Concurrent group syncs (default ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--allow-host-path", split = ",", description = "Host path prefixes HostPathVolume may mount"
        + " (default: none, HostPathVolume is refused with Forbidden.HostPath)")
    List<String> allowHostPaths = List.of();

    // data caches (docs/data-caches.md): passed to the server as OPENECI_DATA_CACHE_* variables
    @Option(names = "--data-cache-source-path", split = ",", description = "Host directories a HostPath data source"
        + " of CreateDataCache may copy from (default: none, refused with Forbidden.DataCacheSource)")
    List<String> dataCacheSourcePaths = List.of();

    @Option(names = "--data-cache-url-host", split = ",", description = "Hosts a URL data source may name even"
        + " when they resolve to loopback/private/link-local addresses (default: none)")
    List<String> dataCacheUrlHosts = List.of();

    @Option(names = "--data-cache-max-bytes", defaultValue = "1073741824", description = "The most one data cache"
        + " may hold, whatever its Size (default ${DEFAULT-VALUE})")
    long dataCacheMaxBytes;

    @Option(names = "--data-cache-fill-timeout-seconds", defaultValue = "600", description = "The longest one data"
        + " cache fill may take (default ${DEFAULT-VALUE})")
    long dataCacheFillTimeoutSeconds;

    @Option(names = "--allow-privileged", description = "Honour SecurityContextPrivileged=true (default: refused"
        + " with Forbidden.Privileged)")
    boolean allowPrivileged;

    @Option(names = "--allow-capabilities", split = ",", defaultValue = "NET_ADMIN,NET_RAW",
        description = "Capabilities Capability.Add may name beyond the Kubernetes baseline set (AUDIT_WRITE, CHOWN,"
        + " DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT);"
        + " \"none\" for nothing more (default ${DEFAULT-VALUE}; others are refused with Forbidden.Capability)")
    List<String> allowCapabilities = List.of();

    @Option(names = "--secret-key-file", description = "Key that encrypts secrets in the database (AES-256-GCM;"
        + " created 0600 on first start; default <data-dir>/secret.key; env OPENECI_SECRET_KEY_FILE). Keep it out of"
        + " the database's backups.")
    Path secretKeyFile;

    @Option(names = "--publish-address", defaultValue = "${env:OPENECI_PUBLISH_ADDRESS:-127.0.0.1}",
        description = "Host address container ports are published on for groups with AutoCreateEip/EipInstanceId;"
        + " their InternetIp (default ${DEFAULT-VALUE}; env OPENECI_PUBLISH_ADDRESS)")
    String publishAddress;

    @Option(names = "--max-grace-seconds", defaultValue = "${env:OPENECI_MAX_GRACE_SECONDS:-600}",
        description = "Largest TerminationGracePeriodSeconds a group may ask for; larger values are refused with"
        + " InvalidParameter (default ${DEFAULT-VALUE}; env OPENECI_MAX_GRACE_SECONDS)")
    int maxGraceSeconds;

    @Option(names = "--engine-timeout-seconds", defaultValue = "${env:OPENECI_ENGINE_TIMEOUT_SECONDS:-30}",
        description = "How long one engine call on the stop/restart/delete path may take before it is abandoned,"
        + " recorded as a Warning event and retried (default ${DEFAULT-VALUE}; env OPENECI_ENGINE_TIMEOUT_SECONDS)")
    int engineTimeoutSeconds;

    @Option(names = "--log-format", defaultValue = "${env:OPENECI_LOG_FORMAT:-text}", description = "Log lines as"
        + " text or json (one object per line; docs/operations.md) (default ${DEFAULT-VALUE}; env OPENECI_LOG_FORMAT)")
    String logFormat;

    @Option(names = "--error-docs-url", defaultValue = "${env:OPENECI_ERROR_DOCS_URL}",
        description = "What an error's Recommend says: {code}, {anchor} and {requestId} are replaced"
        + " (default docs/errors.md#{anchor}; env OPENECI_ERROR_DOCS_URL; docs/errors.md)")
    String errorDocsUrl;

    private java.util.Set<String> capabilities(List<String> names) {
      try {
        return dev.openeci.config.Capabilities.parseOperatorList(names);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--allow-capabilities: " + e.getMessage());
      }
    }

    // quotas per account and region (docs/quotas.md); below 0 = unlimited
    @Option(names = "--quota-groups", defaultValue = "${env:OPENECI_QUOTA_GROUPS:-1000}", description = "Container"
        + " groups an account may hold per region; more are refused with QuotaExceeded (default ${DEFAULT-VALUE};"
        + " -1 = unlimited; env OPENECI_QUOTA_GROUPS)")
    String quotaGroups;

    @Option(names = "--quota-cpu", defaultValue = "${env:OPENECI_QUOTA_CPU:-2000}", description = "vCPUs (sum of"
        + " the groups' Cpu) an account may hold per region (default ${DEFAULT-VALUE}; -1 = unlimited;"
        + " env OPENECI_QUOTA_CPU)")
    String quotaCpu;

    @Option(names = "--quota-memory", defaultValue = "${env:OPENECI_QUOTA_MEMORY:-8192}", description = "GiB of"
        + " memory (sum of the groups' Memory) an account may hold per region (default ${DEFAULT-VALUE};"
        + " -1 = unlimited; env OPENECI_QUOTA_MEMORY)")
    String quotaMemory;

    @Option(names = "--quota-gpu", defaultValue = "${env:OPENECI_QUOTA_GPU:-64}", description = "GPUs (sum of the"
        + " containers' Gpu) an account may hold per region (default ${DEFAULT-VALUE}; -1 = unlimited;"
        + " env OPENECI_QUOTA_GPU)")
    String quotaGpu;

    @Option(names = "--quota-image-caches", defaultValue = "${env:OPENECI_QUOTA_IMAGE_CACHES:-100}",
        description = "Image caches an account may hold per region (default ${DEFAULT-VALUE}; -1 = unlimited;"
        + " env OPENECI_QUOTA_IMAGE_CACHES)")
    String quotaImageCaches;

    @Option(names = "--quota-data-caches", defaultValue = "${env:OPENECI_QUOTA_DATA_CACHES:-100}",
        description = "Data caches an account may hold per region (default ${DEFAULT-VALUE}; -1 = unlimited;"
        + " env OPENECI_QUOTA_DATA_CACHES)")
    String quotaDataCaches;

    /** The --quota-* flags as the environment entries OpenEci reads them from (checked here). */
    private void putQuotas(java.util.Map<String, String> env) {
      env.put(dev.openeci.group.Quotas.GROUPS_ENV, quotaGroups);
      env.put(dev.openeci.group.Quotas.CPU_ENV, quotaCpu);
      env.put(dev.openeci.group.Quotas.MEMORY_ENV, quotaMemory);
      env.put(dev.openeci.group.Quotas.GPU_ENV, quotaGpu);
      env.put(dev.openeci.group.Quotas.IMAGE_CACHES_ENV, quotaImageCaches);
      env.put(dev.openeci.group.Quotas.DATA_CACHES_ENV, quotaDataCaches);
      try {
        dev.openeci.group.Quotas.fromEnv(env);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--quota-*: " + e.getMessage());
      }
    }

    @Option(names = "--max-header-bytes", defaultValue = "262144", description = "Largest request line + headers"
        + " in bytes; the SDKs send every parameter in the query (default ${DEFAULT-VALUE})")
    int maxHeaderBytes;

    @Option(names = "--max-body-bytes", defaultValue = "1048576", description = "Largest request body in bytes,"
        + " counted while it streams in (default ${DEFAULT-VALUE})")
    int maxBodyBytes;

    @Option(names = "--read-timeout-seconds", defaultValue = "30", description = "A request body must arrive"
        + " within this time, and an idle connection is closed after it (default ${DEFAULT-VALUE})")
    int readTimeoutSeconds;

    @Option(names = "--max-parameters", defaultValue = "4096", description = "Parameters per request"
        + " (default ${DEFAULT-VALUE})")
    int maxParameters;

    @Option(names = "--max-value-chars", defaultValue = "65536", description = "Characters per parameter value"
        + " (default ${DEFAULT-VALUE})")
    int maxValueChars;

    @Option(names = "--rate-limit", defaultValue = "200", description = "Requests per second per account,"
        + " answered Throttling.User past it; 0 = unlimited (default ${DEFAULT-VALUE})")
    double rateLimit;

    @Option(names = "--rate-burst", defaultValue = "2000", description = "Requests an account may send at once"
        + " before --rate-limit applies (default ${DEFAULT-VALUE})")
    int rateBurst;

    @Option(names = "--max-nonces-per-key", defaultValue = "500000", description = "Signature nonces remembered"
        + " per AccessKey within the 15-minute window (default ${DEFAULT-VALUE})")
    int maxNoncesPerKey;

    @Option(names = "--max-nonces", defaultValue = "1000000", description = "Signature nonces remembered in total"
        + " (default ${DEFAULT-VALUE})")
    int maxNonces;

    @Option(names = "--auth-failures-per-second", defaultValue = "10", description = "Failed authentications per"
        + " second a source address may have after --auth-failure-burst; past it its requests are refused unread"
        + " (Throttling); 0 = unlimited (default ${DEFAULT-VALUE})")
    double authFailuresPerSecond;

    @Option(names = "--auth-failure-burst", defaultValue = "100", description = "Failed authentications a source"
        + " address may have at once (default ${DEFAULT-VALUE})")
    int authFailureBurst;

    @Option(names = "--v3-unsigned-host", description = "Accept ACS3-HMAC-SHA256 signatures that do not sign the"
        + " host header (the legacy aliyun-java-sdk-core V3 signer); default: host must be signed")
    boolean v3UnsignedHost;

    @Option(names = "--exec-sync-per-account", defaultValue = "4", description = "Concurrent Sync=true"
        + " ExecContainerCommand calls per account; more get Throttling.User (default ${DEFAULT-VALUE})")
    int execSyncPerAccount;

    @Option(names = "--exec-sync-total", defaultValue = "16", description = "Concurrent Sync=true"
        + " ExecContainerCommand calls of all accounts, each holds an HTTP thread (default ${DEFAULT-VALUE})")
    int execSyncTotal;

    @Option(names = "--exec-sync-timeout-seconds", defaultValue = "60", description = "A Sync=true command is"
        + " killed after this long, 1..600 (default ${DEFAULT-VALUE})")
    int execSyncTimeoutSeconds;

    @Option(names = "--exec-sessions-per-account", defaultValue = "8", description = "Exec WebSocket sessions"
        + " (issued or open) per account; more get Throttling.User (default ${DEFAULT-VALUE})")
    int execSessionsPerAccount;

    @Option(names = "--exec-sessions-total", defaultValue = "64", description = "Exec WebSocket sessions of all"
        + " accounts (default ${DEFAULT-VALUE})")
    int execSessionsTotal;

    // metrics and prices (docs/metrics.md)
    @Option(names = "--metrics-period-seconds", defaultValue = "${env:OPENECI_METRICS_PERIOD_SECONDS:-30}",
        description = "How often the engine stats of running groups are sampled for DescribeContainerGroupMetric;"
            + " 0 = off (default ${DEFAULT-VALUE})")
    long metricsPeriodSeconds;

    @Option(names = "--metrics-retention-minutes", defaultValue = "${env:OPENECI_METRICS_RETENTION_MINUTES:-60}",
        description = "How long samples are kept per group (default ${DEFAULT-VALUE})")
    long metricsRetentionMinutes;

    @Option(names = "--metrics-concurrency", defaultValue = "${env:OPENECI_METRICS_CONCURRENCY:-4}",
        description = "Engine stats calls in flight at once (default ${DEFAULT-VALUE})")
    int metricsConcurrency;

    @Option(names = "--price-book", defaultValue = "${env:OPENECI_PRICE_BOOK}", description = "JSON price book of"
        + " DescribeContainerGroupPrice (default: built-in, see etc/price-book.json)")
    java.nio.file.Path priceBook;

    @Override
    public Integer call() throws Exception {
      int colon = listen.lastIndexOf(':');
      if (colon < 0) throw new CommandLine.ParameterException(new CommandLine(this), "--listen must be HOST:PORT");
      String host = listen.substring(0, colon);
      int port = Integer.parseInt(listen.substring(colon + 1));
      boolean onKubernetes = switch (backend) {
        case "local" -> false;
        case "kubernetes" -> true;
        default -> throw new CommandLine.ParameterException(new CommandLine(this),
            "--backend must be local or kubernetes, not \"" + backend + "\"");
      };
      String endpoint = onKubernetes ? null : engine != null ? engine : EngineLocator.locate(System.getenv())
          .orElseThrow(() -> new IllegalStateException("no container engine answers (tried DOCKER_HOST,"
              + " /run/podman/podman.sock, /var/run/docker.sock); run scripts/setup-engine.sh or start Docker/Podman"));
      ServerConfig config = new ServerConfig(host, port, dataDir(dataDir), regions, endpoint,
          Duration.ofSeconds(resyncSeconds), workers,
          new dev.openeci.config.PodPolicy(allowHostPaths, allowPrivileged, publishAddress,
              capabilities(allowCapabilities), maxGraceSeconds),
          Duration.ofSeconds(engineTimeoutSeconds),
          new dev.openeci.config.EdgeConfig(maxHeaderBytes, maxBodyBytes, Duration.ofSeconds(readTimeoutSeconds),
              maxParameters, maxValueChars, rateLimit, rateBurst, maxNoncesPerKey, maxNonces, authFailuresPerSecond,
              authFailureBurst, v3UnsignedHost));
      ContainerRuntime runtime = onKubernetes ? null : new DockerRuntime(endpoint);
      dev.openeci.backend.PodBackend.Factory backendFactory = onKubernetes
          ? k8s.backend(config.pod(), new CommandLine(this)) : OpenEci.local(runtime);
      java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
      if (secretKeyFile != null) env.put(dev.openeci.store.SecretBox.KEY_FILE_ENV, secretKeyFile.toString());
      // data caches (docs/data-caches.md)
      if (!dataCacheSourcePaths.isEmpty()) {
        env.put(dev.openeci.datacache.DataCachePolicy.SOURCE_PATHS_ENV, String.join(",", dataCacheSourcePaths));
      }
      if (!dataCacheUrlHosts.isEmpty()) {
        env.put(dev.openeci.datacache.DataCachePolicy.URL_HOSTS_ENV, String.join(",", dataCacheUrlHosts));
      }
      env.put(dev.openeci.datacache.DataCachePolicy.MAX_BYTES_ENV, Long.toString(dataCacheMaxBytes));
      env.put(dev.openeci.datacache.DataCachePolicy.FILL_TIMEOUT_ENV, Long.toString(dataCacheFillTimeoutSeconds));
      try {
        dev.openeci.datacache.DataCachePolicy.fromEnv(env);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--data-cache-*: " + e.getMessage());
      }
      // operations (docs/operations.md, docs/errors.md)
      try {
        dev.openeci.ops.LogLayout.format(logFormat);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--log-format: " + e.getMessage());
      }
      if (errorDocsUrl != null) env.put(dev.openeci.api.rpc.ResponseWriter.RECOMMEND_ENV, errorDocsUrl);
      putQuotas(env);
      env.put(dev.openeci.metrics.MetricsSettings.PERIOD_ENV, Long.toString(metricsPeriodSeconds));
      env.put(dev.openeci.metrics.MetricsSettings.RETENTION_ENV, Long.toString(metricsRetentionMinutes));
      env.put(dev.openeci.metrics.MetricsSettings.CONCURRENCY_ENV, Integer.toString(metricsConcurrency));
      if (priceBook != null) env.put(dev.openeci.metrics.MetricsSettings.PRICE_BOOK_ENV, priceBook.toString());
      try {
        dev.openeci.metrics.MetricsSettings.options(env);
        dev.openeci.metrics.MetricsSettings.priceBook(env);
      } catch (RuntimeException e) {
        throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
      }
      ExecLimits execLimits;
      try {
        execLimits = new ExecLimits(execSyncPerAccount, execSyncTotal, execSessionsPerAccount, execSessionsTotal,
            Duration.ofSeconds(execSyncTimeoutSeconds));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
      }
      OpenEci app = new OpenEci(config, backendFactory, Clock.systemUTC(), env, Bootstrap.terminal(), execLimits)
          .start();
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          app.close();
          if (runtime != null) runtime.close();
        } catch (Exception e) {
          System.err.println("openeci: error while stopping: " + e);
        } finally {
          stopped.countDown();
        }
      }, "shutdown"));
      stopped.await();
      return 0;
    }
  }

  @Command(name = "accesskey", description = "Manage AccessKey pairs.", subcommands = {AccessKeyCmd.Create.class})
  static final class AccessKeyCmd implements Runnable {
    @Override
    public void run() {
      new CommandLine(this).usage(System.out);
    }

    @Command(name = "create", description = "Create an AccessKey pair for an account and print it once.")
    static final class Create implements Callable<Integer> {
      @Option(names = "--account", required = true, description = "Account id the key belongs to")
      String account;

      @Option(names = "--data-dir", description = "Data directory (as for serve)")
      Path dataDir;

      @Option(names = "--secret-key-file", description = "Secret key file (as for serve; env OPENECI_SECRET_KEY_FILE)")
      Path secretKeyFile;

      @Override
      public Integer call() {
        if (!account.matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")) {
          System.err.println("openeci accesskey create: --account must be 1-64 letters, digits, '.', '_', '@' or '-'");
          return 2;
        }
        Path dir = dataDir(dataDir);
        Path keyFile = secretKeyFile != null ? secretKeyFile : dev.openeci.store.SecretBox.keyFile(dir, System.getenv());
        try (Database db = Database.open(dir.resolve("openeci.db"), keyFile)) {
          AccessKey key = Bootstrap.generate(account);
          new AccessKeyRepository(db).put(key, Instant.now());
          System.out.println("OPENECI_ACCESS_KEY_ID=" + key.accessKeyId());
          System.out.println("OPENECI_ACCESS_KEY_SECRET=" + key.secret());
        }
        return 0;
      }
    }
  }

}
