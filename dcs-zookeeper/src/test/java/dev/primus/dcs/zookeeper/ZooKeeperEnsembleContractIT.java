package dev.primus.dcs.zookeeper;

import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.KeyValueStoreContract;
import dev.primus.dcs.spi.OutageControl;
import java.time.Duration;
import java.util.Optional;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract kit against a real 3-server ZooKeeper ensemble. Clients connect to any member, so the
 * racers, the writers and the readers of a check usually talk to different servers (followers
 * forward writes to the leader): what the kit sees is the ensemble's consistency, not one server's.
 */
class ZooKeeperEnsembleContractIT extends KeyValueStoreContract {
  private static TestingCluster cluster;

  @BeforeAll
  static void startEnsemble() throws Exception {
    cluster = ZkServers.ensemble(3);
  }

  @AfterAll
  static void stopEnsemble() throws Exception {
    cluster.close();
  }

  @Override
  protected KeyValueStore newClient() {
    return ZkServers.store(cluster.getConnectString(), ZooKeeperSingleNodeContractIT.STORE_TTL,
        ZooKeeperSingleNodeContractIT.RETRY);
  }

  @Override
  protected Duration leaseTtl() {
    return Duration.ofSeconds(1);
  }

  @Override
  protected Duration unreachableDetectionBound() {
    // Restarting all three means a leader election before anyone is served again.
    return Duration.ofSeconds(10);
  }

  /** The whole ensemble goes down: killing one member is not an outage (see ZooKeeperEnsembleIT). */
  @Override
  protected Optional<OutageControl> outageControl() {
    return Optional.of(OutageControl.of(
        () -> {
          for (InstanceSpec spec : cluster.getInstances()) {
            cluster.killServer(spec);
          }
        },
        () -> {
          for (InstanceSpec spec : cluster.getInstances()) {
            cluster.restartServer(spec);
          }
        }));
  }
}
