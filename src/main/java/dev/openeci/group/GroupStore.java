package dev.openeci.group;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Where container groups, their events and client tokens are kept. Declared by the domain and
 * implemented by {@code store.GroupStore} (SQLite), so the domain never imports the store.
 */
public interface GroupStore {

  /** The resource id a client token was first used for, and the hash of that request. */
  record TokenUse(String resourceId, String requestHash) {}

  Optional<ContainerGroup> get(String id);

  /** Groups matching {@code filter}, oldest first (stable order for NextToken paging). */
  List<ContainerGroup> find(Predicate<ContainerGroup> filter);

  /** Every group, oldest first (the order of {@link #find}), without building a list. */
  default void forEachInOrder(java.util.function.Consumer<ContainerGroup> action) {
    find(g -> true).forEach(action);
  }

  /** The groups among {@code ids} matching {@code filter}, oldest first (same order as {@link #find}). */
  List<ContainerGroup> findAmong(Collection<String> ids, Predicate<ContainerGroup> filter);

  List<ContainerGroup> all();

  /** Events of a group, oldest first. */
  List<GroupEvent> events(String groupId);

  Optional<TokenUse> findToken(String accountId, String regionId, String action, String token);

  /**
   * Inserts a new group and, when given, its client token, in one transaction. Returns the group
   * id that owns the token: the new one, or an earlier one when a concurrent request with the same
   * token won (then nothing is inserted).
   */
  default TokenUse create(ContainerGroup g, String clientToken, String requestHash) {
    return create(g, clientToken, requestHash, Map.of());
  }

  /** As {@link #create(ContainerGroup, String, String)}, also keeping the request's parameters (for updates). */
  TokenUse create(ContainerGroup g, String clientToken, String requestHash, Map<String, String> params);

  /**
   * Read-modify-write of one group, serialized with every other modification. Returns the stored
   * result, or empty when the group is gone. {@code change} returning its input writes nothing.
   */
  Optional<ContainerGroup> modify(String id, UnaryOperator<ContainerGroup> change);

  /**
   * Replaces a group's tags (TagResources / UntagResources): the spec's tags and the Tag.N entries
   * of its request parameters, in one transaction, serialized with every other modification; the
   * spec version stays. {@code change} may throw to refuse. Empty when the group is gone.
   */
  Optional<ContainerGroup> retag(String id, UnaryOperator<List<Tag>> change, Instant now);

  /** The group's request parameters as last merged (empty for groups stored before they were kept). */
  Map<String, String> requestParams(String id);

  /**
   * UpdateContainerGroup in one transaction: the new spec (version + 1, status Updating), the
   * merged parameters and the client token. {@code check} runs under the group lock against the
   * current record and throws to refuse. Returns the new record.
   */
  ContainerGroup update(String id, String accountId, String regionId, GroupSpec spec, Map<String, String> params,
      String clientToken, String requestHash, Consumer<ContainerGroup> check, Instant now);

  /** Removes a group, its events and its client tokens. */
  void delete(String id);

  /** Records an event, aggregating it into the latest one with the same object, reason and message. */
  GroupEvent recordEvent(String groupId, String type, String reason, String message, String object, Instant now);
}
