package dev.primus.dcs.zookeeper;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * Expires a session on the server, the way Curator's tests used to: a second client joins the same
 * session (id and password) and closes it. The server deletes the session's ephemeral nodes and, when
 * the owner reconnects, tells it the session expired.
 */
final class ZkKill {
  private ZkKill() {}

  static void expire(ZooKeeper victim, String connectString) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper killer = new ZooKeeper(connectString, 10_000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    }, victim.getSessionId(), victim.getSessionPasswd());
    try {
      if (!connected.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("could not join session " + Long.toHexString(victim.getSessionId()));
      }
    } finally {
      killer.close();
    }
  }
}
