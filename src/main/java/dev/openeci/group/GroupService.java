package dev.openeci.group;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.openeci.error.ErrorCode;
import dev.openeci.group.GroupStore.TokenUse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Use cases on container groups. Each persists its change in one transaction, then asks the
 * group's worker to act ({@code wake}); nothing here talks to the engine.
 */
public final class GroupService {
  private static final Logger log = LoggerFactory.getLogger(GroupService.class);

  private final GroupStore repo;
  private final InstantSource clock;
  private final Consumer<String> wake;
  private final Consumer<GroupSpec> admission;
  private final Quotas quotas;
  private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule());
  /**
   * Held from the quota and host-port checks to the stored group, so two concurrent creates (or
   * updates) can not both pass a check only one of them fits (SQLite has one writer anyway).
   */
  private final Object admissionLock = new Object();

  public GroupService(GroupStore repo, InstantSource clock, Consumer<String> wake) {
    this(repo, clock, wake, spec -> {});
  }

  /** {@code admission}: what the backend refuses beyond the API's own rules (throws an ApiException). */
  public GroupService(GroupStore repo, InstantSource clock, Consumer<String> wake, Consumer<GroupSpec> admission) {
    this(repo, clock, wake, admission, Quotas.UNLIMITED);
  }

  /** As above, refusing what takes an account beyond {@code quotas} (QuotaExceeded; docs/quotas.md). */
  public GroupService(GroupStore repo, InstantSource clock, Consumer<String> wake, Consumer<GroupSpec> admission,
      Quotas quotas) {
    this.quotas = quotas;
    this.repo = repo;
    this.clock = clock;
    this.wake = wake;
    this.admission = admission;
  }

  /**
   * The backend's own refusals of a spec the API accepted (e.g. a DiskVolume on a cluster without a
   * StorageClass); called by Create/UpdateContainerGroup before anything is stored, DryRun included.
   */
  public void admit(GroupSpec spec) {
    admission.accept(spec);
  }

  /**
   * Creates a group, idempotently on {@code clientToken}: a retry with the same token and the
   * same spec returns the first group's id; the same token with another spec is rejected.
   */
  public String create(String accountId, String regionId, GroupSpec spec, String clientToken) {
    return create(accountId, regionId, spec, clientToken, java.util.Map.of());
  }

  /** As above, keeping the request's parameters for UpdateContainerGroup to merge into. */
  public String create(String accountId, String regionId, GroupSpec spec, String clientToken,
      java.util.Map<String, String> params) {
    String hash = hash(spec);
    String token = clientToken == null || clientToken.isEmpty() ? null : clientToken;
    if (token != null) {
      Optional<TokenUse> used = repo.findToken(accountId, regionId, "CreateContainerGroup", token);
      if (used.isPresent()) return replay(used.get(), hash, token);
    }
    Instant now = clock.instant();
    ContainerGroup g = new ContainerGroup(Ids.newGroupId(), accountId, regionId, 1, spec, GroupState.initial(), now,
        now, null, 0);
    TokenUse result;
    synchronized (admissionLock) {
      checkQuota(accountId, regionId, null, spec);
      if (HostPorts.publishes(spec)) checkHostPorts(spec, null, accountId);
      result = repo.create(g, token, hash, params);
    }
    if (!result.resourceId().equals(g.id())) return replay(result, hash, token);
    log.info("{}: created \"{}\" ({} containers, {} init) in {} for account {}", g.id(), spec.name(),
        spec.containers().size(), spec.initContainers().size(), regionId, accountId);
    wake.accept(g.id());
    return g.id();
  }

  private static String replay(TokenUse used, String hash, String token) {
    if (!used.requestHash().equals(hash)) {
      throw ErrorCode.IDEMPOTENT_PARAMETER_MISMATCH.withMessage("The ClientToken \"" + token
          + "\" was already used by a different CreateContainerGroup request.");
    }
    return used.resourceId();
  }

  /** The group if it exists, belongs to the account and region, and is not being deleted. */
  public ContainerGroup find(String accountId, String regionId, String id) {
    return repo.get(id)
        .filter(g -> g.accountId().equals(accountId) && g.regionId().equals(regionId) && g.deletionRequested() == null)
        .orElseThrow(() -> ErrorCode.CONTAINER_GROUP_NOT_FOUND.withMessage(
            "The specified container group \"" + id + "\" is not found."));
  }

  /** Marks a group for deletion; its worker stops and removes everything, then the record. */
  public void delete(String accountId, String regionId, String id) {
    find(accountId, regionId, id);
    repo.modify(id, g -> g.deletionRequested() != null ? g : g.withDeletionRequested(clock.instant()));
    log.info("{}: deletion requested", id);
    wake.accept(id);
  }

  /**
   * RestartContainerGroup: only Pending or Running groups; the status becomes Restarting at once
   * and the worker stops and recreates the containers (the sandbox, and so the IP, stays).
   */
  public void restart(String accountId, String regionId, String id) {
    ContainerGroup g = find(accountId, regionId, id);
    GroupStatus status = g.state().status();
    if (status != GroupStatus.Pending && status != GroupStatus.Running) {
      throw ErrorCode.INCORRECT_STATUS.withMessage("The container group " + id + " is " + status
          + "; only Pending or Running container groups can be restarted.");
    }
    repo.modify(id, cur -> cur.withRestartRequested(clock.instant()));
    log.info("{}: restart requested", id);
    wake.accept(id);
  }

  /** The group's stored request parameters (what UpdateContainerGroup merges into). */
  public java.util.Map<String, String> requestParams(String id) {
    return repo.requestParams(id);
  }

  /**
   * UpdateContainerGroup: stores {@code spec} as the group's next spec version, status Updating,
   * and wakes the worker, which applies it with as little disruption as the change allows.
   * Refused unless the group is Pending or Running and still at {@code basedOn} (the version the
   * caller merged into; a concurrent update gets OperationConflict), and when nothing changes
   * (NoNeedUpdate). A retry with the same ClientToken and request succeeds without a new version.
   */
  public void update(String accountId, String regionId, String id, long basedOn, GroupSpec spec,
      java.util.Map<String, String> params, String clientToken, String requestHash) {
    find(accountId, regionId, id);
    String token = clientToken == null || clientToken.isEmpty() ? null : clientToken;
    if (token != null) {
      Optional<TokenUse> used = repo.findToken(accountId, regionId, "UpdateContainerGroup", token);
      if (used.isPresent()) {
        if (used.get().requestHash().equals(requestHash) && used.get().resourceId().equals(id)) return;
        throw ErrorCode.IDEMPOTENT_PARAMETER_MISMATCH.withMessage("The ClientToken \"" + token
            + "\" was already used by a different UpdateContainerGroup request.");
      }
    }
    ContainerGroup next;
    synchronized (admissionLock) {
      checkQuota(accountId, regionId, id, spec);
      if (HostPorts.publishes(spec)) checkHostPorts(spec, id, accountId);
      next = storeUpdate(accountId, regionId, id, basedOn, spec, params, token, requestHash);
    }
    repo.recordEvent(id, "Normal", "Updating", "Updating container group to spec version " + next.specVersion(), "",
        clock.instant());
    log.info("{}: update to spec version {} accepted", id, next.specVersion());
    wake.accept(id);
  }

  /** The quotas this service enforces (ListUsage's Max* values). */
  public Quotas quotas() {
    return quotas;
  }

  /**
   * Refuses (QuotaExceeded) {@code spec} as a new group ({@code groupId} null) or as the new spec of
   * group {@code groupId}. Create and update call it under the admission lock with the insert; a
   * DryRun calls it alone (a dry run checks the service limits too, and stores nothing).
   */
  public void checkQuota(String accountId, String regionId, String groupId, GroupSpec spec) {
    Quotas.Usage others = usage(accountId, regionId, groupId);
    Quotas.Usage before = groupId == null ? others : others.plus(find(accountId, regionId, groupId).spec());
    quotas.check(before, others.plus(spec));
  }

  /**
   * What the account uses in the region: its groups not marked for deletion (a deleted group stops
   * counting as soon as DeleteContainerGroup is accepted), except {@code except} when given.
   */
  public Quotas.Usage usage(String accountId, String regionId, String except) {
    return Quotas.usage(repo.find(g -> g.accountId().equals(accountId) && g.regionId().equals(regionId)
        && g.deletionRequested() == null && !g.id().equals(except)));
  }

  /**
   * TagResources / UntagResources on a group: {@code change} gets the current tags and returns the
   * new ones (it may throw to refuse, e.g. more than 20). Stored in one transaction with the group's
   * request parameters, so a later UpdateContainerGroup merges into the new tags. Tags restart
   * nothing and keep the spec version (they are in no spec hash; docs/tags.md).
   */
  public ContainerGroup retag(String accountId, String regionId, String id,
      java.util.function.UnaryOperator<java.util.List<Tag>> change) {
    find(accountId, regionId, id);
    ContainerGroup g = repo.retag(id, change, clock.instant()).orElseThrow(() ->
        ErrorCode.CONTAINER_GROUP_NOT_FOUND.withMessage("The specified container group \"" + id + "\" is not found."));
    log.info("{}: tags are now {}", id, g.spec().tags().stream().map(Tag::key).toList());
    return g;
  }

  /** Refuses a spec publishing a host port another group holds (InvalidParameter.HostPortInUse). */
  private void checkHostPorts(GroupSpec spec, String self, String accountId) {
    HostPorts.conflict(spec, self, accountId, repo.all()).ifPresent(msg -> {
      throw ErrorCode.HOST_PORT_IN_USE.withMessage(msg);
    });
  }

  private ContainerGroup storeUpdate(String accountId, String regionId, String id, long basedOn, GroupSpec spec,
      java.util.Map<String, String> params, String token, String requestHash) {
    return repo.update(id, accountId, regionId, spec, params, token, requestHash, cur -> {
      checkUpdatable(cur);
      if (cur.specVersion() != basedOn) {
        throw ErrorCode.OPERATION_CONFLICT.withMessage("The container group " + id
            + " was changed by another request while this one was processed; retry it.");
      }
      if (cur.spec().equals(spec)) {
        throw ErrorCode.NO_NEED_UPDATE.exception();
      }
    }, clock.instant());
  }

  /** Only Pending or Running groups can be updated (the seed's rule). */
  public static void checkUpdatable(ContainerGroup g) {
    GroupStatus status = g.state().status();
    if (status != GroupStatus.Pending && status != GroupStatus.Running) {
      throw ErrorCode.INCORRECT_STATUS.withMessage("The container group " + g.id() + " is " + status
          + "; only Pending or Running container groups can be updated.");
    }
  }

  /** Request fingerprint for ClientToken checks and DryRun. */
  public String fingerprint(GroupSpec spec) {
    return hash(spec);
  }

  private String hash(GroupSpec spec) {
    try {
      byte[] bytes = json.writeValueAsString(spec).getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
