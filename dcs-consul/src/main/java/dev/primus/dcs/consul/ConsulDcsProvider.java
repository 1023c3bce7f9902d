package dev.primus.dcs.consul;

import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsProvider;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;

/**
 * The {@code consul} DCS provider: reads Patroni's {@code consul:} section (see {@link ConsulConfig})
 * and builds a {@link ConsulKeyValueStore} with the cluster's ttl and retry timeout.
 */
public final class ConsulDcsProvider implements DcsProvider {
  /** The section name in {@code patroni.yml}, as in Patroni. */
  public static final String NAME = "consul";

  /** For {@link java.util.ServiceLoader}. */
  public ConsulDcsProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String artifact() {
    return "dev.primus:primus-dcs-consul";
  }

  @Override
  public KeyValueStore create(DcsSettings settings) throws DcsConfigException {
    return ConsulKeyValueStore.connect(ConsulConfig.from(settings), settings.ttl(), settings.retryTimeout());
  }
}
