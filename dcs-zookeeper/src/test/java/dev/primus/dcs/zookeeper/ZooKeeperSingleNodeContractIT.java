package dev.primus.dcs.zookeeper;

import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.KeyValueStoreContract;
import dev.primus.dcs.spi.OutageControl;
import java.time.Duration;
import java.util.Optional;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract kit against one real ZooKeeper server. The outage hooks stop the server and start it
 * again on the same port and data directory, so sessions and data survive as they would in production.
 */
class ZooKeeperSingleNodeContractIT extends KeyValueStoreContract {
  static final Duration STORE_TTL = Duration.ofSeconds(4);
  static final Duration RETRY = Duration.ofSeconds(2);

  private static TestingServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = ZkServers.single();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @Override
  protected KeyValueStore newClient() {
    return ZkServers.store(server.getConnectString(), STORE_TTL, RETRY);
  }

  /** Short, to keep the run short: the server's 50 ms tick allows it, and expiry is timer-exact. */
  @Override
  protected Duration leaseTtl() {
    return Duration.ofSeconds(1);
  }

  @Override
  protected Duration unreachableDetectionBound() {
    // Above the 2 s request deadline, as the kit asks.
    return Duration.ofSeconds(6);
  }

  @Override
  protected Optional<OutageControl> outageControl() {
    return Optional.of(OutageControl.of(server::stop, server::restart));
  }
}
