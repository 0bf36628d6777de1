package dev.openeci.commit;

import dev.openeci.error.ApiException;
import dev.openeci.error.ErrorCode;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupService;
import dev.openeci.group.Ids;
import dev.openeci.group.PodOptions;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.ImageCommits;
import dev.openeci.runtime.ImageRefs;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.PullProgress;
import dev.openeci.runtime.RegistryAuth;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeFailure;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CommitContainer / DescribeCommitContainerTask on the local engine (docs/images.md). A task commits
 * the running container to a private local image ({@code localhost/openeci-commit/<task id>}),
 * pushes that to the requested {@code Image.Repository:Image.Tag} and removes the local image again,
 * in the background (two tasks at a time). Tasks are stored, so Describe answers after a restart;
 * a task that was running when openeci stopped is Failed at the next start (the push cannot resume).
 * The registry credential is the request's or else the group's ImageRegistryCredential for that
 * registry; it is used for the push only and never stored, logged or described.
 */
public final class CommitService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CommitService.class);
  static final String INTERRUPTED = "The commit was interrupted by a restart of openeci; commit the container again.";

  private final CommitTaskRepository repo;
  private final GroupService groups;
  private final ContainerRuntime runtime;
  private final InstantSource clock;
  private final ExecutorService workers = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "commit-container");
    t.setDaemon(true);
    return t;
  });

  public CommitService(CommitTaskRepository repo, GroupService groups, ContainerRuntime runtime, InstantSource clock) {
    this.repo = repo;
    this.groups = groups;
    this.runtime = runtime;
    this.clock = clock;
    for (CommitTask t : repo.all()) {
      if (!t.finished()) {
        repo.modify(t.id(), cur -> cur.finish(CommitTask.FAILED, INTERRUPTED, clock.instant()));
        log.warn("{}: commit task {} was interrupted by a restart: Failed", t.groupId(), t.id());
        try {
          runtime.imageCommits().untag(localImage(t.id())); // the commit may have finished before the stop
        } catch (RuntimeException e) {
          log.warn("{}: commit task {}: cannot remove the local image {}: {}", t.groupId(), t.id(),
              localImage(t.id()), e.getMessage());
        }
      }
    }
  }

  /** The private local image a task commits to before the push (removed after it). */
  static String localImage(String taskId) {
    return "localhost/openeci-commit/" + taskId + ":1";
  }

  /**
   * What CommitContainer asks for. {@code credentials}, {@code plainHttpRegistries} and
   * {@code insecureRegistries} are openeci's additions (the group's own are used otherwise).
   */
  public record Request(String groupId, String containerName, String repository, String tag, String author,
      String message, List<RegistryAuth> credentials, List<String> plainHttpRegistries,
      List<String> insecureRegistries) {
    public Request {
      credentials = credentials == null ? List.of() : List.copyOf(credentials);
      plainHttpRegistries = plainHttpRegistries == null ? List.of() : List.copyOf(plainHttpRegistries);
      insecureRegistries = insecureRegistries == null ? List.of() : List.copyOf(insecureRegistries);
    }

    public String reference() {
      return repository + ":" + tag;
    }
  }

  /** Checks the group and container and starts the task; returns it (Running). */
  public CommitTask commit(String accountId, String regionId, Request r) {
    ContainerGroup g = groups.find(accountId, regionId, r.groupId());
    if (g.spec().container(r.containerName()) == null
        || g.spec().initContainers().stream().anyMatch(c -> c.name().equals(r.containerName()))) {
      throw ErrorCode.invalid("ContainerName", "the container group " + g.id() + " has no container \""
          + r.containerName() + "\"");
    }
    RuntimeContainer container = running(g.id(), r.containerName()).orElseThrow(() -> new ApiException(
        ErrorCode.INCORRECT_STATUS, "The container " + r.containerName() + " of " + g.id()
            + " is not running; only a running container can be committed."));
    synchronized (this) {
      for (CommitTask t : repo.list(accountId, regionId)) {
        if (!t.finished() && t.groupId().equals(g.id()) && t.containerName().equals(r.containerName())) {
          throw ErrorCode.OPERATION_CONFLICT.withMessage("The container " + r.containerName() + " of " + g.id()
              + " is being committed by task " + t.id() + ".");
        }
      }
      var now = clock.instant();
      CommitTask task = new CommitTask(Ids.newTaskId(), accountId, regionId, g.id(), r.containerName(),
          r.reference(), CommitTask.RUNNING, 0, "Commit container " + r.containerName() + " to " + r.reference(),
          now, null, List.of());
      repo.insert(task);
      PodOptions.Images images = g.spec().images();
      Optional<RegistryAuth> auth = auth(r, images);
      List<String> plain = new ArrayList<>(r.plainHttpRegistries());
      plain.addAll(images.plainHttpRegistries());
      List<String> insecure = new ArrayList<>(r.insecureRegistries());
      insecure.addAll(images.insecureRegistries());
      boolean insecureRegistry = ImageRefs.insecure(r.reference(), plain, insecure);
      log.info("{}: commit task {}: container {} to {} (credentials: {}, insecure registry: {})", g.id(), task.id(),
          r.containerName(), r.reference(), auth.isPresent() ? "user " + auth.get().username() : "none",
          insecureRegistry);
      workers.submit(() -> run(task, container.id(), r, auth, insecureRegistry));
      return task;
    }
  }

  /** The credential for the target registry: the request's, else the group's. */
  static Optional<RegistryAuth> auth(Request r, PodOptions.Images images) {
    String target = r.reference();
    Optional<RegistryAuth> own = ImageRefs.credentialFor(target, r.credentials(), RegistryAuth::server);
    if (own.isEmpty()) {
      own = ImageRefs.credentialFor(target, images.credentials(), PodOptions.Images.RegistryCredential::server)
          .map(c -> new RegistryAuth(c.server(), c.userName(), c.password()));
    }
    return own.map(a -> new RegistryAuth(ImageRefs.registry(target), a.username(), a.password()));
  }

  private Optional<RuntimeContainer> running(String groupId, String containerName) {
    return runtime.list(Map.of(Labels.GROUP_ID, groupId, Labels.CONTAINER_NAME, containerName)).stream()
        .filter(c -> !Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE)))
        .max(Comparator.comparingInt(c -> Integer.parseInt(c.labels().getOrDefault(Labels.ATTEMPT, "0"))))
        .filter(RuntimeContainer::running);
  }

  private void run(CommitTask task, String containerId, Request r, Optional<RegistryAuth> auth, boolean insecure) {
    String id = task.id();
    String gid = task.groupId();
    String local = localImage(id);
    ImageCommits engine;
    try {
      engine = runtime.imageCommits();
    } catch (RuntimeFailure e) {
      fail(task, e.getMessage());
      return;
    }
    try {
      phase(id, CommitTask.PHASE_COMMIT, CommitTask.RUNNING, "Committing container " + r.containerName(), 10);
      String imageId = engine.commit(containerId, local, r.author(), r.message());
      log.info("{}: commit task {}: container {} committed (image {})", gid, id, r.containerName(),
          imageId.length() > 19 ? imageId.substring(0, 19) : imageId);
      phase(id, CommitTask.PHASE_COMMIT, "Success", "Commit container " + r.containerName() + " successfully", 50);
      phase(id, CommitTask.PHASE_PUSH, CommitTask.RUNNING, "Pushing image " + r.reference(), 60);
      engine.push(local, r.reference(), auth, insecure, new PullProgress(log, gid, r.reference()));
      phase(id, CommitTask.PHASE_PUSH, "Success", "Push image " + r.reference() + " successfully", 100);
      repo.modify(id, t -> t.finish(CommitTask.SUCCEEDED, "Commit container " + r.containerName() + " to "
          + r.reference() + " successfully", clock.instant()));
      log.info("{}: commit task {} succeeded: {}", gid, id, r.reference());
    } catch (RuntimeFailure e) {
      fail(task, scrub(e.getMessage(), auth));
    } catch (RuntimeException e) {
      fail(task, "Commit failed unexpectedly: " + scrub(String.valueOf(e.getMessage()), auth));
    } finally {
      try {
        engine.untag(local);
      } catch (RuntimeException e) {
        log.warn("{}: commit task {}: cannot remove the local image {}: {}", gid, id, local, e.getMessage());
      }
    }
  }

  private static String scrub(String message, Optional<RegistryAuth> auth) {
    if (message == null) return "";
    if (auth.isPresent() && auth.get().password() != null && !auth.get().password().isEmpty()) {
      return message.replace(auth.get().password(), "***");
    }
    return message;
  }

  private void phase(String id, String phase, String status, String message, int progress) {
    repo.modify(id, t -> t.withPhase(phase, status, message, progress, clock.instant()));
  }

  private void fail(CommitTask task, String message) {
    repo.modify(task.id(), t -> t.finish(CommitTask.FAILED, message, clock.instant()));
    log.warn("{}: commit task {} failed: {}", task.groupId(), task.id(), message);
  }

  /** The account's tasks in the region, oldest first. */
  public List<CommitTask> list(String accountId, String regionId) {
    return repo.list(accountId, regionId);
  }

  @Override
  public void close() throws InterruptedException {
    workers.shutdownNow();
    workers.awaitTermination(10, TimeUnit.SECONDS);
  }
}
