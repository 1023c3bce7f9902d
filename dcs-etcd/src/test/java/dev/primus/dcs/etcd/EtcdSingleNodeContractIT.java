package dev.primus.dcs.etcd;

import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.KeyValueStoreContract;
import dev.primus.dcs.spi.OutageControl;
import java.time.Duration;
import java.util.Optional;
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
    return EtcdKeyValueStore.connect(EtcdConfig.of(etcd.clientUrls()), leaseTtl(), RETRY_TIMEOUT);
  }

  /** Every member stopped, then restarted on the same ports and data directories. */
  @Override
  protected Optional<OutageControl> outageControl() {
    return Optional.of(OutageControl.of(etcd::stopAll, etcd::restartAll));
  }
}
