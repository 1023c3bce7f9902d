package dev.primus.dcs.zookeeper;

import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsProvider;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;
import java.io.UncheckedIOException;

/**
 * The {@code zookeeper} DCS provider: reads Patroni's {@code zookeeper:} section (see
 * {@link ZooKeeperConfig}) and builds a {@link ZooKeeperKeyValueStore}. Found by
 * {@link java.util.ServiceLoader} through {@code META-INF/services/dev.primus.dcs.spi.DcsProvider}.
 */
public final class ZooKeeperDcsProvider implements DcsProvider {
  /** The configuration section and provider name. */
  public static final String NAME = "zookeeper";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String artifact() {
    return "dev.primus:primus-dcs-zookeeper";
  }

  @Override
  public KeyValueStore create(DcsSettings settings) throws DcsConfigException {
    ZooKeeperConfig config = ZooKeeperConfig.from(settings);
    try {
      return new ZooKeeperKeyValueStore(config);
    } catch (UncheckedIOException e) {
      // The only I/O at construction is combining cert and key into one key store file.
      throw new DcsConfigException("cert", e.getMessage());
    }
  }
}
