package dev.primus.runner;

import dev.primus.runner.wiring.Backends;
import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsProvider;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.ha.Timings;
import dev.primus.runner.config.PatroniConfig;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The DCS stores of one process: members whose DCS section and timings are the same share one store (one
 * etcd client with its one gRPC channel, one ZooKeeper connection pool, one Consul client), each with its
 * own leases. A store is closed when the last member using it lets it go, or when the process ends.
 */
public final class Stores implements AutoCloseable {
  private record Key(String provider, DcsSettings settings) {}

  private final Map<Key, KeyValueStore> byKey = new LinkedHashMap<>();
  private final Map<KeyValueStore, Integer> users = new IdentityHashMap<>();

  /** The store for {@code config}'s DCS section and {@code timings}, created on first use. */
  public synchronized KeyValueStore get(PatroniConfig config, Timings timings, ClassLoader loader)
      throws Member.StartException {
    DcsProvider provider;
    try {
      provider = Backends.dcs(loader, config.dcs().type());
    } catch (RuntimeException e) {
      throw new Member.StartException(e.getMessage(), e);
    }
    DcsSettings settings = config.dcs().toSettings(timings, loader);
    Key key = new Key(provider.name(), settings);
    KeyValueStore store = byKey.get(key);
    if (store == null) {
      try {
        store = provider.create(settings);
      } catch (DcsConfigException e) {
        throw new Member.StartException(config.dcs().type() + "." + e.getMessage(), e);
      } catch (RuntimeException e) {
        throw new Member.StartException("the " + provider.name() + " store could not be created: " + e.getMessage(), e);
      }
      byKey.put(key, store);
    }
    users.merge(store, 1, Integer::sum);
    return store;
  }

  /** One member no longer uses {@code store}; the last one closes it. */
  public synchronized void release(KeyValueStore store) {
    Integer n = users.get(store);
    if (n == null) {
      return;
    }
    if (n > 1) {
      users.put(store, n - 1);
      return;
    }
    users.remove(store);
    byKey.values().removeIf(s -> s == store);
    store.close();
  }

  /** How many stores are open. */
  public synchronized int size() {
    return byKey.size();
  }

  @Override
  public void close() {
    List<KeyValueStore> all;
    synchronized (this) {
      all = new ArrayList<>(byKey.values());
      byKey.clear();
      users.clear();
    }
    all.forEach(KeyValueStore::close);
  }
}
