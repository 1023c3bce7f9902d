package dev.primus.dcs.zookeeper;

import dev.primus.dcs.compat.PatroniCtl;
import dev.primus.dcs.compat.PatronictlCompatibility;
import dev.primus.dcs.spi.KeyValueStore;
import java.time.Duration;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Debian's {@code patronictl} (Patroni 3.0.2, ZooKeeper through kazoo) reads what Primus wrote into a
 * real ZooKeeper server through Curator, and Primus reads what {@code patronictl} wrote: the
 * compatibility kit, unchanged. The server runs in this JVM (curator-test); patronictl connects to
 * its loopback port like any client.
 */
class ZooKeeperPatronictlIT extends PatronictlCompatibility {
  /** Kazoo's session and the store's own session use the kit's 30 s; the server allows up to 60 s. */
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration RETRY_TIMEOUT = Duration.ofSeconds(5);
  private static TestingServer zk;

  @BeforeAll
  static void startZooKeeper() throws Exception {
    zk = ZkServers.single();
  }

  @AfterAll
  static void stopZooKeeper() throws Exception {
    if (zk != null) {
      zk.close();
    }
  }

  @Override
  protected KeyValueStore newClient() {
    return ZkServers.store(zk.getConnectString(), SESSION_TIMEOUT, RETRY_TIMEOUT);
  }

  @Override
  protected PatroniCtl.Dcs patronictlDcs() {
    return PatroniCtl.Dcs.zookeeper(List.of(zk.getConnectString()));
  }
}
