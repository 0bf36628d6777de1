package dev.openeci.group;

import java.time.Instant;

/**
 * A stored container group: identity, the desired spec (versioned), and the observed state.
 * {@code deletionRequested} is set when DeleteContainerGroup was accepted; the worker then tears
 * the group down and removes the record.
 */
public record ContainerGroup(
    String id,
    String accountId,
    String regionId,
    long specVersion,
    GroupSpec spec,
    GroupState state,
    Instant creationTime,
    Instant updatedTime,
    Instant deletionRequested) {

  public ContainerGroup withState(GroupState newState, Instant now) {
    return new ContainerGroup(id, accountId, regionId, specVersion, spec, newState, creationTime, now,
        deletionRequested);
  }

  public ContainerGroup withDeletionRequested(Instant when) {
    return new ContainerGroup(id, accountId, regionId, specVersion, spec, state, creationTime, when, when);
  }
}
