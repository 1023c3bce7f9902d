package dev.primus.dcs.etcd;

import dev.primus.dcs.compat.PatroniCtl;
import dev.primus.dcs.compat.PatronictlCompatibility;
import dev.primus.dcs.spi.KeyValueStore;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Debian's {@code patronictl} (Patroni 3.0.2, etcd3 over the gRPC gateway) reads what Primus wrote into a
 * real etcd through jetcd, and Primus reads what {@code patronictl} wrote: the compatibility kit,
 * unchanged.
 */
class EtcdPatronictlIT extends PatronictlCompatibility {
  private static final Duration RETRY_TIMEOUT = Duration.ofSeconds(5);
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
    // The kit's members lease with a 30 s TTL; the store tracks its connection against the same TTL.
    return EtcdKeyValueStore.connect(EtcdConfig.of(etcd.clientUrls()), Duration.ofSeconds(30), RETRY_TIMEOUT);
  }

  @Override
  protected PatroniCtl.Dcs patronictlDcs() {
    return PatroniCtl.Dcs.etcd3("127.0.0.1:" + etcd.members().get(0).clientPort);
  }
}
