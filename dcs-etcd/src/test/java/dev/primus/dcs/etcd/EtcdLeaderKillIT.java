package dev.primus.dcs.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.KeepAliveResult;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.Watchable.WatchOutcome;
import dev.primus.dcs.spi.WriteResult;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kills the leader of a three-member etcd cluster with {@code SIGKILL} while a writer and a watcher
 * are busy. The two survivors elect a new leader (500 ms election timeout); the store, which knows all
 * three members, must keep serving reads and writes within {@link #RECOVERY_BOUND}, lose no acknowledged
 * write, keep the agent's lease and its leader key, and wake its watch for a write made after the kill.
 */
class EtcdLeaderKillIT {
  private static final Duration TTL = Duration.ofSeconds(5);
  private static final Duration RETRY = Duration.ofSeconds(2);
  /** Election (~0.5-1 s) plus a failed request's deadline plus slack on a busy 2-core machine. */
  private static final Duration RECOVERY_BOUND = Duration.ofSeconds(10);
  private static EtcdServers etcd;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = EtcdServers.start(3);
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void theStoreKeepsWorkingWhenTheEtcdLeaderIsKilled() throws Exception {
    String prefix = "/service/leaderkill/";
    String counter = prefix + "optime/leader";
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try (EtcdKeyValueStore store = EtcdKeyValueStore.connect(EtcdConfig.of(etcd.clientUrls()), TTL, RETRY)) {
      Lease lease = store.grant(TTL);
      assertTrue(store.createIfAbsent(prefix + "leader", "node1", Optional.of(lease)).succeeded());
      store.put(counter, "0", Optional.empty());

      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong acked = new AtomicLong();
      AtomicLong lastSuccessNanos = new AtomicLong(System.nanoTime());
      Future<Long> writer = threads.submit(() -> {
        long failures = 0;
        for (long i = 1; !stop.get(); i++) {
          try {
            if (store.put(counter, Long.toString(i), Optional.empty()).succeeded()) {
              acked.set(i);
              lastSuccessNanos.set(System.nanoTime());
            }
          } catch (DcsException e) {
            failures++;
            assertTrue(e.retryable(), "a write during the election failed non-retryably: " + e.getMessage());
          }
          Thread.sleep(20);
        }
        return failures;
      });
      Thread.sleep(300);
      assertTrue(acked.get() > 0, "the writer is running before the kill");

      long since = store.read(prefix).revision();
      EtcdServers.Member leader = etcd.leader();
      long killedAt = System.nanoTime();
      etcd.kill(leader);

      // A write after the kill, by the writer, within the bound.
      while (lastSuccessNanos.get() - killedAt < 0) {
        if (writer.isDone()) {
          writer.get(); // surfaces the writer's assertion
        }
        if (System.nanoTime() - killedAt > RECOVERY_BOUND.toNanos()) {
          fail("no write succeeded within " + RECOVERY_BOUND + " after killing the etcd leader " + leader);
        }
        Thread.sleep(20);
      }
      long writeRecoveredMs = (lastSuccessNanos.get() - killedAt) / 1_000_000;

      // The watch, waiting from before the kill, reports that write; a retryable failure while the
      // cluster has no leader is allowed, and the caller waits again from the same revision.
      WatchOutcome outcome = awaitChangeRetrying(store, prefix, since, killedAt);
      assertEquals(WatchOutcome.CHANGED, outcome);

      Snapshot after = readRetrying(store, prefix, killedAt);
      stop.set(true);
      long failures = writer.get(RECOVERY_BOUND.toMillis(), TimeUnit.MILLISECONDS);

      // No acknowledged write is lost: the counter is at least the last acknowledged value.
      long finalAcked = acked.get();
      long value = Long.parseLong(readRetrying(store, prefix, killedAt).get(counter).orElseThrow().value());
      assertTrue(value >= finalAcked, "counter " + value + " is behind the last acknowledged write " + finalAcked);

      // The agent's lease survived the election, and with it the leader key.
      KeyValue leaderKey = after.get(prefix + "leader").orElseThrow(() -> new AssertionError("leader key lost"));
      assertTrue(leaderKey.ownedBy(lease));
      assertInstanceOf(KeepAliveResult.Alive.class, store.keepAlive(lease));
      assertNotEquals(leader, etcd.leader(), "a surviving member leads now");
      assertTrue(store.connectionState().isConnected(), "state " + store.connectionState());
      System.out.printf("leader %s killed: writes back after %d ms, %d failed writes meanwhile%n",
          leader, writeRecoveredMs, failures);
      store.revoke(lease);
    } finally {
      threads.shutdownNow();
    }
  }

  private static WatchOutcome awaitChangeRetrying(EtcdKeyValueStore store, String prefix, long since, long start)
      throws Exception {
    while (true) {
      try {
        return store.watcher().orElseThrow().awaitChange(prefix, since, Duration.ofSeconds(2));
      } catch (DcsException e) {
        assertTrue(e.retryable(), e.getMessage());
        if (System.nanoTime() - start > RECOVERY_BOUND.toNanos()) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  private static Snapshot readRetrying(EtcdKeyValueStore store, String prefix, long start) throws Exception {
    while (true) {
      try {
        return store.read(prefix);
      } catch (DcsException e) {
        assertTrue(e.retryable(), e.getMessage());
        if (System.nanoTime() - start > RECOVERY_BOUND.toNanos()) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }
}
