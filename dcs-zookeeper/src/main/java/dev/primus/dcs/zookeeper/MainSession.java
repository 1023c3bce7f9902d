package dev.primus.dcs.zookeeper;

import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsException.Kind;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.utils.ZookeeperFactory;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.ZooKeeper.States;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * The store's own session, managed by Curator: reads, writes without a lease, and the watch go here.
 *
 * <p>Curator owns reconnection and re-creates the session after an expiry, and its connection states
 * are the SPI's, one to one. Its session timeout is the cluster TTL, so Curator's LOST (suspended for a
 * whole session timeout, or expired) means "presumed expired" exactly as the SPI defines it.
 */
final class MainSession implements Endpoint, AutoCloseable {
  private final CuratorFramework curator;
  private final Object connectMonitor = new Object();
  private final CopyOnWriteArrayList<Consumer<ConnectionState>> listeners = new CopyOnWriteArrayList<>();
  /** Curator's last reported state, mapped; null until its first event. */
  private volatile ConnectionState reported;

  MainSession(ClientSettings client, ZooKeeperConfig config) {
    ZookeeperFactory factory = new ZookeeperFactory() {
      @Override
      public ZooKeeper newZooKeeper(String connectString, int sessionTimeout, Watcher watcher,
          boolean canBeReadOnly) throws Exception {
        return new ZxidZooKeeper(connectString, sessionTimeout, watcher, false, client.clientConfig());
      }

      @Override
      public ZooKeeper newZooKeeper(String connectString, int sessionTimeout, Watcher watcher,
          boolean canBeReadOnly, ZKClientConfig ignored) throws Exception {
        return newZooKeeper(connectString, sessionTimeout, watcher, canBeReadOnly);
      }
    };
    curator = CuratorFrameworkFactory.builder()
        .connectString(client.connectString())
        .sessionTimeoutMs(millis(config.sessionTimeout()))
        .connectionTimeoutMs(millis(config.retryTimeout()))
        // The store retries itself, within its deadline; Curator's loop would not honour it.
        .retryPolicy(new RetryNTimes(0, 0))
        // Keep the configured hosts: the ensemble tracker would replace them with whatever addresses
        // the servers advertise in /zookeeper/config.
        .ensembleTracker(false)
        .zookeeperFactory(factory)
        .zkClientConfig(client.clientConfig())
        .build();
    curator.getConnectionStateListenable().addListener((c, newState) -> onState(newState));
  }

  void start() {
    curator.start();
  }

  /**
   * Curator's state, except that a handle already connected again is not reported as suspended
   * while Curator's event is on its way: Curator posts states from its own thread, a moment after the
   * ZooKeeper handle knows, and a read that just succeeded must not say it was not connected.
   */
  ConnectionState state() {
    ConnectionState r = reported;
    if (r == null || r == ConnectionState.SUSPENDED) {
      if (handleConnected()) {
        return r == null ? ConnectionState.CONNECTED : ConnectionState.RECONNECTED;
      }
      return ConnectionState.SUSPENDED;
    }
    return r;
  }

  /**
   * Curator's own flag, set from the session's connection events on ZooKeeper's event thread. Not
   * {@code ZooKeeper.getState()}: after a connection drops, the client keeps reporting CONNECTED until
   * it starts to reconnect, up to a second later.
   */
  private boolean handleConnected() {
    return curator.getZookeeperClient().isConnected();
  }

  /** Called on Curator's event thread for every state change. Must not block. */
  void addListener(Consumer<ConnectionState> listener) {
    listeners.add(listener);
  }

  private void onState(org.apache.curator.framework.state.ConnectionState curatorState) {
    ConnectionState mapped = switch (curatorState) {
      case CONNECTED -> ConnectionState.CONNECTED;
      case RECONNECTED -> ConnectionState.RECONNECTED;
      case LOST -> ConnectionState.LOST;
      // Read-only mode is never asked for; if a server offers it, writes would fail: not connected.
      case SUSPENDED, READ_ONLY -> ConnectionState.SUSPENDED;
    };
    reported = mapped;
    synchronized (connectMonitor) {
      connectMonitor.notifyAll();
    }
    for (Consumer<ConnectionState> l : listeners) {
      l.accept(mapped);
    }
  }

  @Override
  public ZxidZooKeeper awaitConnected(Deadline deadline) throws DcsException, InterruptedException {
    while (true) {
      ZooKeeper zk;
      try {
        zk = curator.getZookeeperClient().getZooKeeper();
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        // Curator is between sessions (or reports a background failure of the last reset): wait on.
        zk = null;
      }
      if (zk instanceof ZxidZooKeeper handle) {
        States s = handle.getState();
        if (handleConnected() && s.isConnected()) {
          return handle;
        }
        if (s == States.AUTH_FAILED) {
          throw new DcsException(Kind.AUTHENTICATION, "ZooKeeper refused the store's credentials");
        }
      }
      long leftMs = deadline.remainingMillis();
      if (leftMs <= 0) {
        return null;
      }
      synchronized (connectMonitor) {
        connectMonitor.wait(Math.min(leftMs, 25));
      }
    }
  }

  /** The server the session is connected to now, if any (for tests and messages). */
  java.util.Optional<java.net.InetSocketAddress> server() {
    try {
      return curator.getZookeeperClient().getZooKeeper() instanceof ZxidZooKeeper z ? z.server()
          : java.util.Optional.empty();
    } catch (Exception e) {
      return java.util.Optional.empty();
    }
  }

  @Override
  public boolean isLease() {
    return false;
  }

  @Override
  public String describe() {
    return "the store's session";
  }

  @Override
  public void close() {
    curator.close();
  }

  private static int millis(java.time.Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
  }
}
