package dev.openeci.reconcile;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One lock per account network: a sandbox being started on it holds it shared, the release of the
 * account's last group takes it exclusively, so a network is never removed under a new sandbox.
 */
final class NetworkLocks {
  private final Map<String, ReadWriteLock> locks = new ConcurrentHashMap<>();

  ReadWriteLock of(String network) {
    return locks.computeIfAbsent(network, n -> new ReentrantReadWriteLock());
  }
}
