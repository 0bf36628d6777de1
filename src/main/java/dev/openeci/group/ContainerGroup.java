package dev.openeci.group;

import java.time.Instant;

/**
 * A stored container group: identity, the desired spec (versioned), and the observed state.
 * {@code deletionRequested} is set when DeleteContainerGroup was accepted; the worker then tears
 * the group down and removes the record. {@code restartGeneration} counts accepted
 * RestartContainerGroup calls; the worker applies each once (GroupState.restartsApplied).
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
    Instant deletionRequested,
    long restartGeneration) {

  public ContainerGroup withState(GroupState newState, Instant now) {
    return new ContainerGroup(id, accountId, regionId, specVersion, spec, newState, creationTime, now,
        deletionRequested, restartGeneration);
  }

  public ContainerGroup withDeletionRequested(Instant when) {
    return new ContainerGroup(id, accountId, regionId, specVersion, spec, state, creationTime, when, when,
        restartGeneration);
  }

  /** Other tags, same spec version (TagResources / UntagResources change no running container). */
  public ContainerGroup withTags(java.util.List<Tag> tags, Instant now) {
    return new ContainerGroup(id, accountId, regionId, specVersion, spec.withTags(tags), state, creationTime, now,
        deletionRequested, restartGeneration);
  }

  /** RestartContainerGroup accepted: a new generation for the worker to apply, status Restarting. */
  public ContainerGroup withRestartRequested(Instant when) {
    return new ContainerGroup(id, accountId, regionId, specVersion, spec, state.withStatus(GroupStatus.Restarting),
        creationTime, when, deletionRequested, restartGeneration + 1);
  }
}
