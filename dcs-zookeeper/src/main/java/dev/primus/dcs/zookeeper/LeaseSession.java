package dev.primus.dcs.zookeeper;

import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsException.Kind;
import dev.primus.dcs.spi.Lease;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper.States;

/**
 * One lease: a ZooKeeper session of its own, with session timeout = the lease TTL, owning the
 * ephemeral nodes written with the lease.
 *
 * <p>A plain ZooKeeper handle, not a Curator client, on purpose: Curator replaces an expired session
 * with a new one, but an expired lease must stay expired (its keys are gone; the agent must notice and
 * grant a new one).
 *
 * <p>ZooKeeper's client pings the server from its own thread, so a session outlives an agent whose loop
 * froze. The SPI promises more: leased keys vanish once {@code keepAlive} has not been called for the
 * TTL. So the store also keeps a local deadline per lease and closes the session when it passes.
 */
final class LeaseSession implements Endpoint, Watcher {
  private final Object connectMonitor = new Object();
  private volatile ZxidZooKeeper zk;
  private volatile Lease lease;
  private volatile long sessionId;
  private volatile String endReason;
  /**
   * From the session's connection events. Not {@code ZooKeeper.getState()}: after a connection drops,
   * the client keeps reporting CONNECTED until it starts to reconnect, up to a second later.
   */
  private volatile boolean connected;

  /** Guarded by this: the local expiry and the instant it is due. */
  private ScheduledFuture<?> expiry;
  private long deadlineNanos;

  private LeaseSession() {}

  /**
   * Opens a session and waits until the server has granted it.
   *
   * @throws DcsException UNAVAILABLE if no server answered by the deadline
   */
  static LeaseSession open(ClientSettings client, Duration ttl, Deadline deadline)
      throws DcsException, InterruptedException {
    LeaseSession s = new LeaseSession();
    int timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, ttl.toMillis()));
    try {
      s.zk = client.newHandle(timeoutMs, s);
    } catch (IOException | IllegalArgumentException e) {
      throw new DcsException(Kind.UNAVAILABLE, "cannot open a ZooKeeper session: " + e.getMessage(), e);
    }
    ZxidZooKeeper connected;
    try {
      connected = s.awaitConnected(deadline);
    } catch (DcsException | InterruptedException e) {
      s.abandon();
      throw e;
    }
    if (connected == null) {
      s.abandon();
      throw new DcsException(Kind.UNAVAILABLE, "no ZooKeeper server granted a session before the deadline");
    }
    s.sessionId = connected.getSessionId();
    // The server bounds the timeout to [2, 20] ticks by default: the lease has the TTL it granted.
    s.lease = new Lease(Node.leaseId(s.sessionId), Duration.ofMillis(connected.getSessionTimeout()));
    return s;
  }

  Lease lease() {
    return lease;
  }

  long sessionId() {
    return sessionId;
  }

  boolean ended() {
    return endReason != null;
  }

  String endReason() {
    return endReason;
  }

  ZxidZooKeeper handle() {
    return zk;
  }

  boolean isConnected() {
    return connected && endReason == null;
  }

  /**
   * Marks the lease ended, first reason wins.
   *
   * @return whether this call ended it
   */
  boolean end(String reason) {
    synchronized (this) {
      if (endReason != null) {
        return false;
      }
      endReason = reason;
      if (expiry != null) {
        expiry.cancel(false);
      }
    }
    synchronized (connectMonitor) {
      connectMonitor.notifyAll();
    }
    return true;
  }

  /**
   * Restarts the local TTL from {@code fromNanos} (when the keep-alive was asked for, so the local
   * deadline never runs later than the one the caller computes).
   *
   * @return false if the lease has already ended
   */
  synchronized boolean renew(ScheduledExecutorService timers, long fromNanos, Runnable onExpiry) {
    if (endReason != null) {
      return false;
    }
    if (expiry != null) {
      expiry.cancel(false);
    }
    deadlineNanos = fromNanos + lease.ttl().toNanos();
    expiry = timers.schedule(onExpiry, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    return true;
  }

  /** Whether the local deadline has passed (a renewal may have raced with the timer). */
  synchronized boolean overdue(long nowNanos) {
    return nowNanos - deadlineNanos >= 0;
  }

  /** Ends the session on the server: its ephemeral nodes are deleted now. Blocks for one round trip. */
  void closeSession() {
    try {
      zk.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Drops the connection, leaving the session to time out on the server. */
  void abandon() {
    zk.abandon();
  }

  @Override
  public void process(WatchedEvent event) {
    if (event.getType() != Event.EventType.None) {
      return;
    }
    switch (event.getState()) {
      case SyncConnected, ConnectedReadOnly -> connected = true;
      case Expired -> {
        connected = false;
        end("the session expired on the server");
      }
      default -> connected = false; // Disconnected, AuthFailed, Closed
    }
    synchronized (connectMonitor) {
      connectMonitor.notifyAll();
    }
  }

  @Override
  public ZxidZooKeeper awaitConnected(Deadline deadline) throws DcsException, InterruptedException {
    while (true) {
      String reason = endReason;
      if (reason != null) {
        throw new DcsException(Kind.LEASE_NOT_FOUND, "lease " + idForMessages() + " has ended: " + reason);
      }
      ZxidZooKeeper handle = zk;
      States state = handle.getState();
      if (connected && state.isConnected()) {
        return handle;
      }
      if (state == States.AUTH_FAILED) {
        throw new DcsException(Kind.AUTHENTICATION, "ZooKeeper refused the credentials of lease " + idForMessages());
      }
      if (!state.isAlive()) {
        end("the session is closed");
        continue;
      }
      long leftMs = deadline.remainingMillis();
      if (leftMs <= 0) {
        return null;
      }
      synchronized (connectMonitor) {
        // Woken by connection events; the cap covers an event that raced with this check.
        connectMonitor.wait(Math.min(leftMs, 25));
      }
    }
  }

  @Override
  public boolean isLease() {
    return true;
  }

  @Override
  public String describe() {
    return "the session of lease " + idForMessages();
  }

  private String idForMessages() {
    Lease l = lease;
    return l == null ? "(being granted)" : l.id();
  }
}
