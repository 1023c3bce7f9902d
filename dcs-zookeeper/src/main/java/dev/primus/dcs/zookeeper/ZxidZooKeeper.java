package dev.primus.dcs.zookeeper;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * A ZooKeeper handle that exposes two things the public API hides but the store needs.
 *
 * <ul>
 *   <li>{@link #lastZxid()}: the newest transaction id this session has seen in a reply. Every read sent
 *       after it reflects at least that state (a server never answers a session from an older state), so
 *       it is a sound {@code Snapshot.revision}: no change at or below it can be missing from the
 *       snapshot, and a change the watch reports above it is news.</li>
 *   <li>{@link #abandon()}: drops the connection without ending the session, so its ephemeral nodes
 *       expire on the server after the session timeout, as if the process had died. That is what
 *       {@code KeyValueStore.close()} promises for leases; {@link #close()} would delete them at once.</li>
 * </ul>
 */
@SuppressWarnings("try") // close() may throw InterruptedException, as ZooKeeper's does
final class ZxidZooKeeper extends ZooKeeper {

  ZxidZooKeeper(String connectString, int sessionTimeoutMs, Watcher watcher, boolean canBeReadOnly,
      ZKClientConfig config) throws IOException {
    super(connectString, sessionTimeoutMs, watcher, canBeReadOnly, config);
  }

  /** The newest zxid seen in a reply on this session. */
  long lastZxid() {
    return cnxn.getLastZxid();
  }

  /** The server this handle is connected to, if any. */
  Optional<InetSocketAddress> server() {
    try {
      return testableRemoteSocketAddress() instanceof InetSocketAddress a ? Optional.of(a) : Optional.empty();
    } catch (RuntimeException e) {
      return Optional.empty(); // between connections
    }
  }

  /** Stops the client threads and closes the socket without sending closeSession. */
  void abandon() {
    cnxn.disconnect();
  }
}
