package dev.primus.dcs.etcd;

import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsProvider;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;

/**
 * The {@code etcd3} DCS provider: reads Patroni's {@code etcd3:} section (see {@link EtcdConfig}) and
 * builds an {@link EtcdKeyValueStore} with the cluster's TTL and retry timeout.
 */
public final class EtcdDcsProvider implements DcsProvider {
  /** The section name in {@code patroni.yml}, as in Patroni. */
  public static final String NAME = "etcd3";

  /** For {@link java.util.ServiceLoader}. */
  public EtcdDcsProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String artifact() {
    return "dev.primus:primus-dcs-etcd";
  }

  @Override
  public KeyValueStore create(DcsSettings settings) throws DcsConfigException {
    return EtcdKeyValueStore.connect(EtcdConfig.from(settings), settings.ttl(), settings.retryTimeout());
  }
}
