package dev.openeci.reconcile;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The {@link GroupRecord}s of this process, one per group, created on first use and dropped with the group. */
final class GroupRecords {
  private final Map<String, GroupRecord> records = new ConcurrentHashMap<>();
  private final Fingerprints fingerprints;

  GroupRecords(Fingerprints fingerprints) {
    this.fingerprints = fingerprints;
  }

  GroupRecord of(String groupId) {
    return records.computeIfAbsent(groupId, k -> new GroupRecord());
  }

  /** The record when one exists (no new one is made). */
  GroupRecord peek(String groupId) {
    return records.get(groupId);
  }

  /** The group is gone: its record and its fingerprint go. */
  void drop(String groupId) {
    records.remove(groupId);
    fingerprints.forget(groupId);
  }
}
