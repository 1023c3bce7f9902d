package dev.primus.dcs.etcd;

import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.KeyValueStoreContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The DCS contract kit, unchanged, against one real etcd member. */
class EtcdSingleNodeContractIT extends KeyValueStoreContract {
  /** The store's own deadline per request: well inside the kit's unreachableDetectionBound(). */
  static final Duration RETRY_TIMEOUT = Duration.ofSeconds(2);
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

  @Override
  protected KeyValueStore newClient() throws Exception {
    return new OutageSimulating(EtcdKeyValueStore.connect(EtcdConfig.of(etcd.clientUrls()), leaseTtl(), RETRY_TIMEOUT));
  }

  @Override
  protected void makeUnreachable() throws Exception {
    etcd.stopAll();
  }

  @Override
  protected void makeReachable() throws Exception {
    etcd.restartAll();
  }
}
