package dev.openeci.backend.kubernetes;

import dev.openeci.error.ApiException;
import dev.openeci.backend.PodBackend;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupEvent;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupStatus;
import dev.openeci.reconcile.EventRecorder;
import dev.openeci.reconcile.WorkQueue;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.group.GroupStore;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Container groups as Pods on a Kubernetes cluster (docs/kubernetes.md). The store is the desired
 * state; informers (list + watch, no polling) on this server's Pods, Services and the Events of
 * Pods keep the cluster's view in memory; each change wakes the group's serialized sync (one
 * {@link WorkQueue} slot per group on a small fixed pool), which converges the cluster towards the
 * stored spec and writes what it sees back into the store: status ({@link PodStatusMapper}) and
 * events. Describe reads the store only.
 *
 * <p>Crash-safe by construction: the Pod is named by the group id, so a create retried after a
 * crash hits AlreadyExists and adopts the Pod instead of making a second one; the spec version and
 * restart generation are labels on the Pod, so an update or restart interrupted by a crash is
 * finished by the next sync; objects of this server whose group is no longer stored are collected
 * on start.
 */
public final class KubernetesBackend implements PodBackend {
  private static final Logger log = LoggerFactory.getLogger(KubernetesBackend.class);
  private static final String BY_GROUP = "group";
  private static final String BY_POD = "pod";
  /** Events of one Kubernetes Event recorded at most per observation (count jumps while we were away). */
  private static final int MAX_REPEATS = 5;

  private final GroupStore groups;
  private final EventRecorder events;
  private final InstantSource clock;
  private final String instanceId;
  private final KubernetesClient client;
  private final boolean ownsClient;
  private final KubernetesOptions options;
  private final ScheduledExecutorService timers;
  private final ExecutorService workers;
  private final WorkQueue queue;
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  /** Namespaces known to exist with their default ServiceAccount. */
  private final Set<String> readyNamespaces = ConcurrentHashMap.newKeySet();
  /** Per group, Kubernetes Event uid -> the count already recorded. */
  private final Map<String, Map<String, Integer>> seenEvents = new ConcurrentHashMap<>();
  /** Per group, how many syncs waited for its namespace's default ServiceAccount. */
  private final Map<String, Integer> serviceAccountWaits = new ConcurrentHashMap<>();
  /**
   * Whether the Events informer selects {@code involvedObject.kind=Pod} on the server (fabric8's
   * mock apiserver does not implement that field selector; the handler filters anyway).
   */
  boolean eventFieldSelector = true;
  private volatile SharedIndexInformer<Pod> pods;
  private volatile SharedIndexInformer<Service> services;
  private volatile SharedIndexInformer<Event> podEvents;

  /**
   * @param ctx what every backend shares (store, events, clock, instance id, config.workers())
   * @param client the cluster; closed by {@link #close} only when {@code ownsClient}
   * @param options the mapping's options; their instance id must be {@code ctx.instanceId()}
   * @param ownsClient whether this backend closes {@code client}
   */
  public KubernetesBackend(Context ctx, KubernetesClient client, KubernetesOptions options, boolean ownsClient) {
    if (!ctx.instanceId().equals(options.instanceId())) {
      throw new IllegalArgumentException("the Kubernetes options are for instance " + options.instanceId()
          + ", this server is " + ctx.instanceId());
    }
    this.groups = ctx.groups();
    this.events = ctx.events();
    this.clock = ctx.clock();
    this.instanceId = ctx.instanceId();
    this.client = client;
    this.ownsClient = ownsClient;
    this.options = options;
    this.timers = Executors.newSingleThreadScheduledExecutor(named("k8s-timer"));
    this.workers = Executors.newFixedThreadPool(Math.max(1, ctx.config().workers()), named("k8s-sync"));
    this.queue = new WorkQueue(workers, ctx.telemetry().timedSync(this::sync));
    ctx.telemetry().syncQueue(queue::waiting, queue::running);
  }

  /**
   * The factory the composition root calls: {@code options} gets this server's instance id (the
   * mapping's options are made before the instance id is known); the backend owns {@code client}.
   */
  public static PodBackend.Factory factory(KubernetesClient client, Function<String, KubernetesOptions> options) {
    return ctx -> new KubernetesBackend(ctx, client, options.apply(ctx.instanceId()), true);
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public String describe() {
    return "kubernetes cluster at " + client.getMasterUrl() + " (owner label " + KubernetesNames.OWNER + "="
        + instanceId + ")";
  }

  // --- start: informers, adoption, garbage collection ---------------------------------------------

  @Override
  public void start() {
    Map<String, String> mine = KubernetesNames.ownerSelector(instanceId);
    // inform() lists, starts the watch and returns once the cache holds the list.
    pods = client.pods().inAnyNamespace().withLabels(mine)
        .withIndexers(Map.of(BY_GROUP, p -> List.of(groupOf(p)))).inform(wakeOn(KubernetesBackend::groupOf), 0);
    services = client.services().inAnyNamespace().withLabels(mine)
        .withIndexers(Map.of(BY_GROUP, s -> List.of(groupOf(s)))).inform(wakeOn(KubernetesBackend::groupOf), 0);
    // Events carry no labels: watch the Events of Pods and keep those of this server's Pods.
    var allEvents = client.v1().events().inAnyNamespace();
    podEvents = (eventFieldSelector ? allEvents.withField("involvedObject.kind", "Pod") : allEvents)
        .withIndexers(Map.of(BY_POD, e -> List.of(podKey(e)))).inform(wakeOn(this::groupOfEvent), 0);
    int collected = collectOrphans();
    int n = 0;
    for (ContainerGroup g : groups.all()) {
      queue.enqueue(g.id());
      n++;
    }
    log.info("kubernetes backend started on {}: {} pods of this server in the cluster, {} stored groups enqueued"
        + " for adoption, {} orphaned objects collected", client.getMasterUrl(), pods.getStore().list().size(), n,
        collected);
  }

  private <T extends HasMetadata> ResourceEventHandler<T> wakeOn(Function<T, String> groupOf) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        wakeFor(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        wakeFor(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        wakeFor(obj);
      }

      private void wakeFor(T obj) {
        String id = obj == null ? null : groupOf.apply(obj);
        if (id != null && !id.isEmpty()) queue.enqueue(id);
      }
    };
  }

  private static String groupOf(HasMetadata o) {
    Map<String, String> labels = o.getMetadata() == null ? null : o.getMetadata().getLabels();
    String id = labels == null ? null : labels.get(KubernetesNames.GROUP_ID);
    return id == null ? "" : id;
  }

  private static String podKey(Event e) {
    return e.getInvolvedObject() == null || !"Pod".equals(e.getInvolvedObject().getKind()) ? ""
        : e.getInvolvedObject().getNamespace() + "/" + e.getInvolvedObject().getName();
  }

  /** The group an Event is about, when it is one of this server's Pods. */
  private String groupOfEvent(Event e) {
    if (e.getInvolvedObject() == null || pods == null || !"Pod".equals(e.getInvolvedObject().getKind())) return null;
    Pod p = pods.getStore().getByKey(podKey(e));
    return p == null ? null : groupOf(p);
  }

  /**
   * Deletes what this server made on the cluster for groups the store no longer has (a crash
   * between the store's delete and the cluster's, or a data directory restored from a backup).
   * Disks ({@code openeci.dev/disk-id}, no group id) outlive groups and are never collected.
   */
  private int collectOrphans() {
    Map<String, String> mine = KubernetesNames.ownerSelector(instanceId);
    List<HasMetadata> candidates = new ArrayList<>(pods.getStore().list());
    candidates.addAll(services.getStore().list());
    try {
      candidates.addAll(client.configMaps().inAnyNamespace().withLabels(mine).list().getItems());
      candidates.addAll(client.secrets().inAnyNamespace().withLabels(mine).list().getItems());
      candidates.addAll(client.persistentVolumeClaims().inAnyNamespace().withLabels(mine).list().getItems());
    } catch (KubernetesClientException e) {
      log.warn("garbage collection: cannot list this server's objects: {}", e.getMessage());
    }
    int n = 0;
    for (HasMetadata o : candidates) {
      String gid = groupOf(o);
      if (gid.isEmpty() || groups.get(gid).isPresent()) continue;
      try {
        client.resource(o).inNamespace(o.getMetadata().getNamespace()).delete();
        log.info("{}: collected {} {}/{} (its group is gone)", gid, o.getKind(), o.getMetadata().getNamespace(),
            o.getMetadata().getName());
        n++;
      } catch (KubernetesClientException e) {
        log.warn("{}: cannot collect {} {}: {}", gid, o.getKind(), o.getMetadata().getName(), e.getMessage());
      }
    }
    return n;
  }

  // --- the sync of one group ---------------------------------------------------------------------------

  @Override
  public void wake(String groupId) {
    queue.enqueue(groupId);
  }

  @Override
  public boolean idle() {
    return queue.idle();
  }

  @Override
  public Optional<String> unready() {
    if (pods == null) return Optional.of("the Kubernetes backend has not started");
    if (!pods.isWatching()) return Optional.of("the watch on the cluster's pods is down (apiserver at "
        + client.getMasterUrl() + " does not answer)");
    return Optional.empty();
  }

  /** One level-triggered sync: converge the group's Pod towards the stored spec, then write what it shows. */
  void sync(String groupId) {
    if (pods == null) return; // not started: start() enqueues every group
    Optional<ContainerGroup> found = groups.get(groupId);
    try {
      if (found.isEmpty()) {
        collect(groupId);
        return;
      }
      ContainerGroup g = found.get();
      String ns = KubernetesNames.namespace(instanceId, g.accountId(), g.regionId());
      Pod pod = pods.getStore().getByKey(ns + "/" + KubernetesNames.pod(g.id()));
      if (pod != null) recordEvents(g, pod);
      if (g.deletionRequested() != null) {
        teardown(g, ns, pod);
        return;
      }
      if (pod == null) {
        if (g.state().status().terminal()) {
          writeStatus(g, null, true); // a finished (or refused) group is never run again
        } else if (create(g)) {
          failures.remove(groupId);
        }
        return;
      }
      long podGeneration = label(pod, KubernetesNames.RESTART_GENERATION);
      long podSpec = label(pod, KubernetesNames.SPEC_VERSION);
      boolean current = podGeneration >= g.restartGeneration() && podSpec >= g.specVersion();
      if (pod.getMetadata().getDeletionTimestamp() == null && !current) {
        if (podGeneration < g.restartGeneration()) {
          recreate(g, ns, pod, GroupStatus.Restarting);
        } else {
          update(g, ns, pod);
        }
      } else if (current && g.state().restartsApplied() < g.restartGeneration()) {
        long generation = g.restartGeneration();
        groups.modify(groupId, cur -> cur.restartGeneration() != generation ? cur
            : cur.withState(cur.state().withRestartsApplied(generation), clock.instant()));
        g = groups.get(groupId).orElse(g);
      }
      writeStatus(g, pod, current && pod.getMetadata().getDeletionTimestamp() == null);
      failures.remove(groupId);
    } catch (KubernetesClientException e) {
      retryLater(groupId, e);
    } catch (RuntimeException e) {
      log.error("{}: sync failed: {}", groupId, e.toString(), e);
      retryLater(groupId, null);
    }
  }

  /**
   * Pod annotation: a hash of everything in the spec the Pod was made from except the app
   * containers' images and the tags ({@link PodMapper#imageOnlyChange}'s rule). The store keeps only
   * the newest spec, so the Pod itself remembers what it was made from: equal hashes mean the new
   * spec version is an image-only change, patchable in place, also after a restart of openeci.
   * Registry credentials enter only through the pull Secret's (content-hashed) name, never the
   * password itself.
   */
  static final String SHAPE_HASH = KubernetesNames.PREFIX + "shape-hash";
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
      .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule());

  static String shapeHash(dev.openeci.group.GroupSpec spec, PodObjects objects) {
    List<dev.openeci.group.ContainerSpec> apps = new ArrayList<>();
    for (dev.openeci.group.ContainerSpec c : spec.containers()) {
      apps.add(c.toBuilder().image("").build());
    }
    var images = spec.images().toBuilder().credentials(List.of()).build();
    var shape = spec.toBuilder().tags(List.of()).containers(apps).images(images).build();
    try {
      String text = JSON.writeValueAsString(shape) + "\n"
          + objects.pullSecret().map(x -> x.getMetadata().getName()).orElse("");
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest).substring(0, 32);
    } catch (com.fasterxml.jackson.core.JsonProcessingException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long label(Pod pod, String key) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    String v = labels == null ? null : labels.get(key);
    try {
      return v == null ? 0 : Long.parseLong(v);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Creates what the group runs as: namespace (with its default ServiceAccount), disks, owned
   * objects, the Pod, the Service, then ownerReferences to the Pod. Every step is idempotent, so a
   * retry after a crash anywhere adopts what exists. False when it has to wait or failed.
   */
  private boolean create(ContainerGroup g) {
    PodObjects objects;
    try {
      objects = PodMapper.map(g, options);
    } catch (ApiException e) {
      fail(g, "FailedCreate", e.getMessage());
      return false;
    }
    String ns = objects.namespace().getMetadata().getName();
    if (objects.pod().getMetadata().getAnnotations() == null) objects.pod().getMetadata().setAnnotations(new HashMap<>());
    objects.pod().getMetadata().getAnnotations().put(SHAPE_HASH, shapeHash(g.spec(), objects));
    if (!ensureNamespace(g, objects.namespace())) return false;
    for (PersistentVolumeClaim disk : objects.disks()) createIfAbsent(ns, disk);
    for (HasMetadata o : objects.owned()) {
      if (!(o instanceof Service)) createIfAbsent(ns, o);
    }
    Pod pod;
    try {
      pod = client.pods().inNamespace(ns).resource(objects.pod()).create();
      log.info("{}: pod {}/{} created (spec version {}, restart generation {})", g.id(), ns,
          objects.pod().getMetadata().getName(), g.specVersion(), g.restartGeneration());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        pod = client.pods().inNamespace(ns).withName(objects.pod().getMetadata().getName()).get();
        // Gone meanwhile, or still being deleted (a recreate): the informer's delete wakes us.
        if (pod == null || pod.getMetadata().getDeletionTimestamp() != null) return false;
        log.info("{}: adopted the existing pod {}/{}", g.id(), ns, pod.getMetadata().getName());
      } else if (e.getCode() == 422) {
        fail(g, "FailedCreate", "The cluster refused the pod: " + apiMessage(e));
        return false;
      } else if (e.getCode() == 403 && waitingForServiceAccount(e)) {
        // Kubernetes up to 1.23 also needs the account's token Secret, made a moment after the account.
        if (serviceAccountWaits.merge(g.id(), 1, Integer::sum) == 60) {
          events.warning(g.id(), "", "ServiceAccountMissing", "The cluster refuses the pod for 30s: " + apiMessage(e));
        }
        retryQuickly(g.id());
        return false;
      } else {
        if (e.getCode() == 404) readyNamespaces.remove(ns); // the namespace went away: make it again
        throw e;
      }
    }
    serviceAccountWaits.remove(g.id());
    objects.service().ifPresent(s -> createIfAbsent(ns, s));
    OwnerReference owner = new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod")
        .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).withController(false)
        .withBlockOwnerDeletion(false).build();
    Set<String> keep = new HashSet<>();
    for (HasMetadata o : objects.owned()) {
      keep.add(o.getKind() + "/" + o.getMetadata().getName());
      setOwner(ns, o, owner);
    }
    // A recreate for a new spec leaves the previous spec's objects (content-hashed names) orphaned.
    if (g.specVersion() > 1 || g.restartGeneration() > 0) removeStale(g.id(), ns, keep);
    return true;
  }

  private static boolean waitingForServiceAccount(KubernetesClientException e) {
    String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
    return m.contains("serviceaccount") || m.contains("service account");
  }

  /** The namespace exists and (with a controller-manager) has its default ServiceAccount. */
  private boolean ensureNamespace(ContainerGroup g, Namespace wanted) {
    String ns = wanted.getMetadata().getName();
    if (readyNamespaces.contains(ns)) return true;
    Namespace existing = client.namespaces().withName(ns).get();
    if (existing == null) {
      try {
        client.namespaces().resource(wanted).create();
        log.info("{}: namespace {} created for account {} in {}", g.id(), ns, g.accountId(), g.regionId());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) throw e;
      }
    } else if (existing.getMetadata().getDeletionTimestamp() != null) {
      events.warning(g.id(), "", "NamespaceTerminating", "Namespace " + ns + " is being deleted; waiting to recreate it");
      retryLater(g.id(), null);
      return false;
    }
    if (client.serviceAccounts().inNamespace(ns).withName("default").get() == null) {
      int waits = serviceAccountWaits.merge(g.id(), 1, Integer::sum);
      if (waits == 60) {
        events.warning(g.id(), "", "ServiceAccountMissing", "Namespace " + ns + " has no default ServiceAccount"
            + " after 30s: is the kube-controller-manager running?");
      }
      retryQuickly(g.id());
      return false;
    }
    serviceAccountWaits.remove(g.id());
    readyNamespaces.add(ns);
    return true;
  }

  private void createIfAbsent(String ns, HasMetadata o) {
    try {
      client.resource(o).inNamespace(ns).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) throw e;
    }
  }

  private void setOwner(String ns, HasMetadata o, OwnerReference owner) {
    client.resource(o).inNamespace(ns).edit(cur -> {
      List<OwnerReference> refs = cur.getMetadata().getOwnerReferences();
      if (refs != null && refs.size() == 1 && owner.getUid().equals(refs.get(0).getUid())) return cur;
      cur.getMetadata().setOwnerReferences(new ArrayList<>(List.of(owner)));
      return cur;
    });
  }

  /** Deletes the group's owned objects in {@code ns} that the current spec does not make. */
  private void removeStale(String groupId, String ns, Set<String> keep) {
    Map<String, String> sel = KubernetesNames.ownedLabels(instanceId, groupId);
    List<HasMetadata> found = new ArrayList<>();
    found.addAll(client.configMaps().inNamespace(ns).withLabels(sel).list().getItems());
    found.addAll(client.secrets().inNamespace(ns).withLabels(sel).list().getItems());
    found.addAll(client.services().inNamespace(ns).withLabels(sel).list().getItems());
    found.addAll(client.persistentVolumeClaims().inNamespace(ns).withLabels(sel).list().getItems());
    for (HasMetadata o : found) {
      if (keep.contains(o.getKind() + "/" + o.getMetadata().getName())) continue;
      client.resource(o).inNamespace(ns).delete();
      log.info("{}: removed {} {}", groupId, o.getKind(), o.getMetadata().getName());
    }
  }

  /**
   * A new spec version: images only -> patched in place (the kubelet restarts only the changed
   * containers; the pod, its IP and the other containers stay); anything else -> the pod is
   * deleted and created again once it is gone (a new IP is likely).
   */
  private void update(ContainerGroup g, String ns, Pod pod) {
    PodObjects wanted;
    try {
      wanted = PodMapper.map(g, options);
    } catch (ApiException e) {
      fail(g, "FailedUpdate", e.getMessage());
      return;
    }
    Map<String, String> podAnnotations = pod.getMetadata().getAnnotations();
    String have = podAnnotations == null ? null : podAnnotations.get(SHAPE_HASH);
    if (have == null || !have.equals(shapeHash(g.spec(), wanted))) {
      recreate(g, ns, pod, GroupStatus.Updating);
      return;
    }
    Map<String, String> images = new HashMap<>();
    for (Container c : wanted.pod().getSpec().getContainers()) images.put("c/" + c.getName(), c.getImage());
    String version = Long.toString(g.specVersion());
    Map<String, String> labels = wanted.pod().getMetadata().getLabels();
    Map<String, String> annotations = wanted.pod().getMetadata().getAnnotations();
    client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).edit(p -> {
      for (Container c : p.getSpec().getContainers()) {
        c.setImage(images.getOrDefault("c/" + c.getName(), c.getImage()));
      }
      if (labels != null) p.getMetadata().setLabels(new HashMap<>(labels));
      if (annotations != null) {
        if (p.getMetadata().getAnnotations() == null) p.getMetadata().setAnnotations(new HashMap<>());
        p.getMetadata().getAnnotations().putAll(annotations);
      }
      p.getMetadata().getLabels().put(KubernetesNames.SPEC_VERSION, version);
      return p;
    });
    events.normal(g.id(), "", "Updating", "Spec version " + version + " changes images only: patched in place;"
        + " the kubelet restarts only the changed containers and the IP stays");
    log.info("{}: images patched in place for spec version {}", g.id(), version);
  }

  /** Deletes the pod (grace period of the spec) so the next sync creates it for the stored spec. */
  private void recreate(ContainerGroup g, String ns, Pod pod, GroupStatus working) {
    long grace = g.spec().terminationGracePeriodSeconds();
    if (working == GroupStatus.Restarting) {
      events.normal(g.id(), "", "Restarting", "Restarting container group: the pod is deleted and created again;"
          + " its IP may change");
    } else {
      events.normal(g.id(), "", "Recreating", "Spec version " + g.specVersion() + " changes more than images: the"
          + " pod is deleted and created again; its IP may change");
    }
    // Orphan: the owned objects keep existing (their ownerReference is removed) for the new pod to adopt.
    client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).withPropagationPolicy(DeletionPropagation.ORPHAN)
        .withGracePeriod(grace).delete();
    log.info("{}: pod deleted (grace {}s) to be recreated ({})", g.id(), grace, working);
    groups.modify(g.id(), cur -> cur.state().status() == working || cur.deletionRequested() != null ? cur
        : cur.withState(cur.state().withStatus(working), clock.instant()));
  }

  /**
   * Deletion: status Terminating, the pod deleted with the group's grace period; once the
   * informer no longer has it, the owned objects, then the record.
   */
  private void teardown(ContainerGroup g, String ns, Pod pod) {
    if (g.state().status() != GroupStatus.Terminating) {
      groups.modify(g.id(), cur -> cur.withState(cur.state().withStatus(GroupStatus.Terminating), clock.instant()));
    }
    if (pod != null) {
      if (pod.getMetadata().getDeletionTimestamp() == null) {
        long grace = g.spec().terminationGracePeriodSeconds();
        client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).withGracePeriod(grace).delete();
        log.info("{}: deleting pod {}/{} (grace {}s)", g.id(), ns, pod.getMetadata().getName(), grace);
      }
      return; // the informer's delete wakes us
    }
    // One by one (list + delete): the RBAC role grants no deletecollection.
    removeStale(g.id(), ns, Set.of());
    groups.delete(g.id());
    forget(g.id());
    log.info("{}: deleted (pod gone, owned objects removed)", g.id());
  }

  /** A group the store does not have: its pods go (the relist on start collects the rest). */
  private void collect(String groupId) {
    for (Pod p : pods.getIndexer().byIndex(BY_GROUP, groupId)) {
      if (p.getMetadata().getDeletionTimestamp() != null) continue;
      client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
      log.info("{}: deleted pod {}/{} of a group that no longer exists", groupId, p.getMetadata().getNamespace(),
          p.getMetadata().getName());
    }
    forget(groupId);
  }

  private void forget(String groupId) {
    failures.remove(groupId);
    seenEvents.remove(groupId);
    serviceAccountWaits.remove(groupId);
  }

  /** The group cannot run as asked: Failed, with the reason as a Warning event. */
  private void fail(ContainerGroup g, String reason, String message) {
    events.warning(g.id(), "", reason, message);
    Instant now = clock.instant();
    long version = g.specVersion();
    groups.modify(g.id(), cur -> cur.specVersion() != version || cur.deletionRequested() != null
        || cur.state().status() == GroupStatus.Failed ? cur : cur.withState(cur.state().failed(now), now));
    log.info("{}: failed: {}", g.id(), message);
  }

  /** The apiserver's own words (its Status message), fit for an event; never its URL. */
  private static String apiMessage(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) return e.getStatus().getMessage();
    return e.getCode() > 0 ? "HTTP " + e.getCode() : "the Kubernetes API server does not answer";
  }

  // --- status and events -------------------------------------------------------------------------

  private void writeStatus(ContainerGroup g, Pod pod, boolean current) {
    Instant now = clock.instant();
    Service service = null;
    if (services != null) {
      for (Service s : services.getIndexer().byIndex(BY_GROUP, g.id())) service = s;
    }
    GroupState next = PodStatusMapper.status(g.spec(), pod, service, g.state(), current, now);
    GroupStatus before = g.state().status();
    long version = g.specVersion();
    long generation = g.restartGeneration();
    ContainerGroup stored = groups.modify(g.id(), cur -> cur.deletionRequested() != null
        || cur.specVersion() != version || cur.restartGeneration() != generation
        || cur.state().restartsApplied() != next.restartsApplied() || cur.state().equals(next) ? cur
        : cur.withState(next, now)).orElse(null);
    if (stored != null && before != next.status() && stored.state().status() == next.status()) {
      log.info("{}: status {} -> {}", g.id(), before, next.status());
      if (before == GroupStatus.Updating) {
        events.normal(g.id(), "", "Updated", "Container group updated to spec version " + version);
      }
    }
  }

  /**
   * The Kubernetes Events of the group's pod become the group's events (type, reason, message;
   * the container as object when the event names one), each Event uid once per count. After a
   * restart of openeci, an Event already stored (same type, reason, message, object, not older)
   * is not recorded again.
   */
  private void recordEvents(ContainerGroup g, Pod pod) {
    if (podEvents == null) return;
    String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    List<Event> list = new ArrayList<>(podEvents.getIndexer().byIndex(BY_POD, key));
    if (list.isEmpty()) return;
    list.sort(java.util.Comparator.comparing(KubernetesBackend::lastSeen, java.util.Comparator.nullsFirst(
        java.util.Comparator.naturalOrder())));
    Map<String, Integer> seen = seenEvents.computeIfAbsent(g.id(), k -> new ConcurrentHashMap<>());
    List<GroupEvent> stored = null;
    for (Event e : list) {
      String uid = e.getMetadata().getUid();
      if (uid == null) continue;
      int count = e.getCount() == null || e.getCount() < 1 ? 1 : e.getCount();
      Integer already = seen.get(uid);
      if (already != null && already >= count) continue;
      String type = e.getType() == null ? "Normal" : e.getType();
      String reason = Objects.requireNonNullElse(e.getReason(), "");
      String message = Objects.requireNonNullElse(e.getMessage(), "");
      String object = containerOf(e);
      Instant at = Objects.requireNonNullElse(lastSeen(e), clock.instant());
      int repeats;
      if (already == null) {
        if (stored == null) stored = groups.events(g.id());
        boolean known = stored.stream().anyMatch(s -> s.type().equals(type) && s.reason().equals(reason)
            && s.message().equals(message) && s.object().equals(object) && !s.lastTimestamp().isBefore(at));
        repeats = known ? 0 : 1;
      } else {
        repeats = Math.min(MAX_REPEATS, count - already);
      }
      for (int i = 0; i < repeats; i++) groups.recordEvent(g.id(), type, reason, message, object, at);
      seen.put(uid, count);
    }
  }

  private static Instant lastSeen(Event e) {
    Instant t = PodStatusMapper.time(e.getLastTimestamp());
    if (t == null && e.getEventTime() != null) t = PodStatusMapper.time(e.getEventTime().getTime());
    if (t == null && e.getMetadata() != null) t = PodStatusMapper.time(e.getMetadata().getCreationTimestamp());
    return t;
  }

  /** {@code spec.containers{app}} / {@code spec.initContainers{init}} -> {@code app} / {@code init}. */
  static String containerOf(Event e) {
    String path = e.getInvolvedObject() == null ? null : e.getInvolvedObject().getFieldPath();
    if (path == null) return "";
    int open = path.indexOf('{');
    int close = path.lastIndexOf('}');
    return open >= 0 && close > open ? path.substring(open + 1, close) : "";
  }

  // --- retries -----------------------------------------------------------------------------------------

  /** An apiserver error: a Warning event and a retry on a per-group back-off (0.5 s doubling to 60 s). */
  private void retryLater(String groupId, KubernetesClientException e) {
    int n = failures.merge(groupId, 1, Integer::sum);
    long delayMs = Math.min(60_000L, 500L << Math.min(n, 7));
    if (e != null) {
      String message = apiMessage(e);
      if (groups.get(groupId).isPresent()) {
        events.warning(groupId, "", "FailedSync", "The Kubernetes API server answered: " + message + "; retrying");
      }
      log.warn("{}: apiserver call failed ({}: {}); retrying in {} ms", groupId, message, e.getMessage(), delayMs);
    }
    timers.schedule(() -> queue.enqueue(groupId), delayMs, TimeUnit.MILLISECONDS);
  }

  /** Waiting for something the cluster makes on its own (a namespace's ServiceAccount): 0.5 s. */
  private void retryQuickly(String groupId) {
    timers.schedule(() -> queue.enqueue(groupId), 500, TimeUnit.MILLISECONDS);
  }

  // --- logs and exec -------------------------------------------------------------------------------------

  /** DescribeContainerLog: {@code pods/log} of the group's pod ({@link PodLogs}). */
  @Override
  public String logs(ContainerGroup g, String containerName, boolean previous, ContainerRuntime.LogQuery query) {
    return PodLogs.read(client, namespaceOf(g), KubernetesNames.pod(g.id()), containerName, previous, query);
  }

  /** ExecContainerCommand: {@code pods/exec} in the container of the pod the informer shows ({@link PodExec}). */
  @Override
  public ExecTarget execTarget(ContainerGroup g, String containerName) {
    Pod pod = pods == null ? null : pods.getStore().getByKey(namespaceOf(g) + "/" + KubernetesNames.pod(g.id()));
    if (pod == null || pod.getMetadata().getDeletionTimestamp() != null) {
      throw new NotRunning("The container " + containerName + " of " + g.id() + " is not running.");
    }
    return PodExec.target(client, pod, containerName);
  }

  /**
   * What this backend refuses that the API's validation lets through ({@link PodMapper#validate}),
   * for the API to answer at create, update and DryRun with a documented code.
   *
   * @throws ApiException the refusal
   */
  @Override
  public void validate(dev.openeci.group.GroupSpec spec) {
    PodMapper.validate(spec, options);
  }

  /** The namespace of a group's pod (for logs and exec). */
  public String namespaceOf(ContainerGroup g) {
    return KubernetesNames.namespace(instanceId, g.accountId(), g.regionId());
  }

  /** The cluster this backend talks to (logs and exec use the same client). */
  public KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {pods, services, podEvents}) {
      if (i != null) i.close();
    }
    timers.shutdownNow();
    workers.shutdown();
    try {
      if (!workers.awaitTermination(30, TimeUnit.SECONDS)) workers.shutdownNow();
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (ownsClient) client.close();
  }
}
