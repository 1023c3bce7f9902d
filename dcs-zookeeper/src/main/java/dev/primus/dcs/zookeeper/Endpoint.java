package dev.primus.dcs.zookeeper;

import dev.primus.dcs.spi.DcsException;

/** A ZooKeeper session requests can be sent on: the store's own, or a lease's. */
interface Endpoint {

  /**
   * The connected handle, waiting for the connection until {@code deadline}.
   *
   * @return the handle, or {@code null} if it is not connected by the deadline
   * @throws DcsException if it never will be: the lease ended, or credentials were refused
   */
  ZxidZooKeeper awaitConnected(Deadline deadline) throws DcsException, InterruptedException;

  /** Whether this is a lease session, whose expiry is final (the store's own is re-established). */
  boolean isLease();

  /** For messages. */
  String describe();
}
