package dev.openeci.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkQueueTest {

  @Test
  void runsOneKeyAtATimeAndCoalescesRequestsMadeWhileRunning() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch firstRunStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    WorkQueue[] q = new WorkQueue[1];
    q[0] = new WorkQueue(pool, key -> {
      int c = concurrent.incrementAndGet();
      maxConcurrent.accumulateAndGet(c, Math::max);
      if (runs.incrementAndGet() == 1) {
        firstRunStarted.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      concurrent.decrementAndGet();
    });
    q[0].enqueue("g");
    assertThat(firstRunStarted.await(5, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 100; i++) q[0].enqueue("g");
    release.countDown();
    awaitIdle(q[0]);
    assertThat(runs.get()).as("100 requests during one run coalesce into one more run").isEqualTo(2);
    assertThat(maxConcurrent.get()).isEqualTo(1);
    pool.shutdown();
  }

  @Test
  void differentKeysRunInParallel() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    // Each run of a blocking key waits until all four are running at once: only parallel runs get there.
    CountDownLatch allRunning = new CountDownLatch(4);
    AtomicInteger sawAllRunning = new AtomicInteger();
    WorkQueue q = new WorkQueue(pool, key -> {
      allRunning.countDown();
      try {
        if (allRunning.await(10, TimeUnit.SECONDS)) sawAllRunning.incrementAndGet();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    for (int i = 0; i < 4; i++) q.enqueue("g" + i);
    awaitIdle(q);
    assertThat(sawAllRunning.get()).as("runs of four different keys that saw each other running").isEqualTo(4);
    pool.shutdown();
  }

  @Test
  void everyRequestIsEventuallyServed() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    Map<String, AtomicInteger> perKey = new ConcurrentHashMap<>();
    WorkQueue q = new WorkQueue(pool, key -> perKey.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet());
    for (int i = 0; i < 1000; i++) q.enqueue("g" + (i % 50));
    awaitIdle(q);
    assertThat(perKey).hasSize(50);
    // 20 requests per key: at least one run each, and coalescing never makes more runs than requests.
    perKey.values().forEach(n -> assertThat(n.get()).isBetween(1, 20));
    pool.shutdown();
  }

  @Test
  void aFailingRunDoesNotWedgeTheKey() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    AtomicInteger runs = new AtomicInteger();
    WorkQueue q = new WorkQueue(pool, key -> {
      runs.incrementAndGet();
      throw new IllegalStateException("boom");
    });
    q.enqueue("g");
    awaitIdle(q);
    q.enqueue("g");
    awaitIdle(q);
    assertThat(runs.get()).isEqualTo(2);
    pool.shutdown();
  }

  static void awaitIdle(WorkQueue q) throws InterruptedException {
    for (int i = 0; i < 500 && !q.idle(); i++) Thread.sleep(10);
    assertThat(q.idle()).isTrue();
  }

  @Test
  void depthCountsWaitingKeysAndRunningCountsRunningOnes() throws Exception {
    java.util.List<Runnable> submitted = new java.util.concurrent.CopyOnWriteArrayList<>();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    WorkQueue q = new WorkQueue(submitted::add, key -> {
      started.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    q.enqueue("a");
    q.enqueue("b");
    q.enqueue("a");
    assertThat(q.waiting()).isEqualTo(2);
    assertThat(q.running()).isZero();
    Thread t = new Thread(submitted.get(0));
    t.start();
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(q.waiting()).isEqualTo(1);
    assertThat(q.running()).isEqualTo(1);
    q.enqueue("a"); // asked again while running: it waits for one more run and still runs
    assertThat(q.waiting()).isEqualTo(2);
    assertThat(q.running()).isEqualTo(1);
    release.countDown();
    t.join(5000);
    assertThat(q.waiting()).isEqualTo(2); // a resubmitted, b still queued
    assertThat(q.running()).isZero();
  }
}
