package dev.primus.dcs.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.WriteResult;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stops the only etcd member and starts it again on the same ports and data directory: the store must
 * go SUSPENDED, then LOST once the outage outlasts the TTL, and come back RECONNECTED with the data
 * intact.
 */
class EtcdOutageIT {
  private static final Duration TTL = Duration.ofSeconds(2);
  private static final Duration RETRY = Duration.ofSeconds(1);
  private static EtcdServers etcd;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = EtcdServers.start(1);
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void suspendedThenLostThenReconnected() throws Exception {
    try (EtcdKeyValueStore store = EtcdKeyValueStore.connect(EtcdConfig.of(etcd.clientUrls()), TTL, RETRY)) {
      String prefix = "/service/outage/";
      long written = ((WriteResult.Written) store.put(prefix + "config", "kept", Optional.empty())).version();
      long revision = store.read(prefix).revision();
      assertEquals(ConnectionState.CONNECTED, store.connectionState());

      etcd.stop(etcd.members().get(0));

      long t0 = System.nanoTime();
      DcsException down = assertThrows(DcsException.class, () -> store.read(prefix));
      assertTrue(down.retryable(), down.kind() + ": " + down.getMessage());
      assertTrue(System.nanoTime() - t0 < RETRY.plusSeconds(2).toNanos(), "a failing read is bounded");
      assertEquals(ConnectionState.SUSPENDED, store.connectionState());

      DcsException watchDown = assertThrows(DcsException.class,
          () -> store.watcher().orElseThrow().awaitChange(prefix, revision, Duration.ofSeconds(5)));
      assertTrue(watchDown.retryable(), watchDown.getMessage());

      awaitState(store, ConnectionState.LOST, TTL.plus(RETRY).plusSeconds(2));

      etcd.restart(etcd.members().get(0));
      long restarted = System.nanoTime();
      Snapshot back = null;
      while (back == null) {
        try {
          back = store.read(prefix);
        } catch (DcsException e) {
          if (System.nanoTime() - restarted > Duration.ofSeconds(5).toNanos()) {
            fail("still failing 5 s after etcd came back: " + e.getMessage());
          }
          Thread.sleep(100);
        }
      }
      System.out.printf("reconnected %d ms after etcd was healthy again%n",
          (System.nanoTime() - restarted) / 1_000_000);
      assertEquals(ConnectionState.RECONNECTED, back.connection());
      assertTrue(store.connectionState().isConnected());
      assertEquals("kept", back.get(prefix + "config").orElseThrow().value());
      assertEquals(written, back.get(prefix + "config").orElseThrow().version());
      assertTrue(store.put(prefix + "config", "after", Optional.empty()).succeeded());
    }
  }

  private static void awaitState(EtcdKeyValueStore store, ConnectionState wanted, Duration bound)
      throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (store.connectionState() != wanted) {
      assertFalse(System.nanoTime() > deadline, "state " + store.connectionState() + ", not " + wanted
          + ", after " + bound);
      Thread.sleep(50);
    }
  }
}
