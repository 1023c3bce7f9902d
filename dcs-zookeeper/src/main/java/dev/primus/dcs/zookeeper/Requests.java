package dev.primus.dcs.zookeeper;

import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsException.Kind;
import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.CreateOptions;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ZooKeeper's asynchronous API as futures, and the one retry loop every store call goes through.
 *
 * <p>Asynchronous requests are used so that every call honours its deadline exactly: a synchronous
 * ZooKeeper call can block for two thirds of the session timeout before the client notices a dead
 * connection, and Curator's own retries would run on past the deadline and re-send writes unseen.
 *
 * <p>A server whose packets are dropped looks just like that dead connection: the ZooKeeper client
 * would wait two thirds of the session timeout (the TTL) before it tries another server, longer than
 * {@code retry_timeout} (issue 11). So a request waits one attempt ({@link Deadline#attemptNanos}, a
 * third of the call's time); when the attempt goes unanswered while the call has time left, the store
 * closes the handle's socket, which makes the client connect to the next server of its list with the
 * same session (its ephemeral nodes and watches stay), and the request is redone there, as after any
 * connection loss: the store's writes recognise their own lost attempt on a redo.
 */
final class Requests {

  /** Outcomes the store's logic handles itself (they are answers, not failures). */
  private static final Set<Code> ANSWERS =
      EnumSet.of(Code.NONODE, Code.NODEEXISTS, Code.BADVERSION, Code.NOTEMPTY);

  private static final Logger LOG = LoggerFactory.getLogger(Requests.class);

  /** Failures after which the same request may be sent again on a (re)connected session. */
  private static final Set<Code> TRANSIENT = EnumSet.of(Code.CONNECTIONLOSS, Code.OPERATIONTIMEOUT,
      Code.REQUESTTIMEOUT, Code.SESSIONMOVED, Code.NOTREADONLY, Code.THROTTLEDOP, Code.RECONFIGINPROGRESS);

  private static final Set<Code> AUTH = EnumSet.of(Code.NOAUTH, Code.AUTHFAILED,
      Code.SESSIONCLOSEDREQUIRESASLAUTH);

  private static final Set<Code> INVALID = EnumSet.of(Code.BADARGUMENTS, Code.INVALIDACL,
      Code.NOCHILDRENFOREPHEMERALS, Code.UNIMPLEMENTED, Code.EPHEMERALONLOCALSESSION,
      Code.QUOTAEXCEEDED, Code.MARSHALLINGERROR);

  private Requests() {}

  /** One try of a store call on a connected handle; may send several requests. */
  @FunctionalInterface
  interface Attempt<T> {
    T run(ZxidZooKeeper zk) throws KeeperException, InterruptedException, TimeoutException;
  }

  /**
   * Runs {@code attempt} until it answers, retrying transient failures on the (re)connected session
   * until {@code deadline}.
   *
   * @throws KeeperException only the answers the caller handles: NONODE, NODEEXISTS, BADVERSION,
   *                         NOTEMPTY
   * @throws DcsException    for everything else, classified
   */
  static <T> T call(Endpoint endpoint, Deadline deadline, Attempts attempts, Attempt<T> attempt)
      throws KeeperException, DcsException {
    int failures = 0;
    KeeperException last = null;
    try {
      while (true) {
        ZxidZooKeeper zk = endpoint.awaitConnected(deadline);
        if (zk == null) {
          throw deadlinePassed(endpoint, attempts, last);
        }
        try {
          return attempt.run(zk);
        } catch (KeeperException e) {
          Code code = e.code();
          if (ANSWERS.contains(code)) {
            throw e;
          }
          boolean retry = TRANSIENT.contains(code)
              // The store's own session is re-established by Curator: retry on the new one. A lease's
              // session is the lease itself, so its expiry is final.
              || (code == Code.SESSIONEXPIRED && !endpoint.isLease());
          if (!retry) {
            throw classify(endpoint, e);
          }
          last = e;
          attempts.answerLost();
          failures++;
          long pauseMs = Math.min(deadline.remainingMillis(), 10L << Math.min(failures, 4));
          if (pauseMs > 0) {
            // A short back-off: the error may be a throttle or a session moving between servers.
            Thread.sleep(pauseMs);
          }
        } catch (TimeoutException e) {
          attempts.answerLost();
          if (deadline.passed()) {
            throw new DcsException(Kind.TIMEOUT,
                "ZooKeeper did not answer in time on " + endpoint.describe());
          }
          // The server is silent, the call has time left: move to the next server and redo.
          moveOn(endpoint, zk);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      attempts.answerLost();
      throw new DcsException(attempts.maybeApplied() ? Kind.TIMEOUT : Kind.UNAVAILABLE,
          "interrupted while waiting for ZooKeeper", e);
    }
  }

  private static DcsException deadlinePassed(Endpoint endpoint, Attempts attempts, KeeperException last) {
    String why = last == null ? "not connected" : "last error " + last.code();
    if (attempts.maybeApplied()) {
      return new DcsException(Kind.TIMEOUT, "ZooKeeper request outcome unknown at the deadline on "
          + endpoint.describe() + " (" + why + ")", last);
    }
    return new DcsException(Kind.UNAVAILABLE, "ZooKeeper unreachable until the deadline on "
        + endpoint.describe() + " (" + why + ")", last);
  }

  /** Maps a failure that is not retried. */
  static DcsException classify(Endpoint endpoint, KeeperException e) {
    Code code = e.code();
    String where = " on " + endpoint.describe() + (e.getPath() == null ? "" : " at " + e.getPath());
    if (code == Code.SESSIONEXPIRED || code == Code.UNKNOWNSESSION) {
      return new DcsException(endpoint.isLease() ? Kind.LEASE_NOT_FOUND : Kind.UNAVAILABLE,
          "ZooKeeper session expired" + where, e);
    }
    if (AUTH.contains(code)) {
      return new DcsException(Kind.AUTHENTICATION, "ZooKeeper refused the credentials (" + code + ")" + where, e);
    }
    if (INVALID.contains(code)) {
      return new DcsException(Kind.INVALID_REQUEST, "ZooKeeper rejected the request (" + code + ")" + where, e);
    }
    return new DcsException(Kind.INTERNAL, "unexpected ZooKeeper error " + code + where, e);
  }

  /**
   * Drops the handle's connection to a server that did not answer within an attempt; the client
   * reconnects to the next server with the same session. Its outstanding requests fail with
   * CONNECTIONLOSS.
   */
  static void moveOn(Endpoint endpoint, ZxidZooKeeper zk) {
    LOG.info("ZooKeeper server {} did not answer {} within an attempt; moving to the next server",
        zk.server().map(Object::toString).orElse("(unknown)"), endpoint.describe());
    try {
      zk.getTestable().closeSocket();
    } catch (IOException | RuntimeException e) {
      LOG.debug("closing the socket of {} failed: {}", endpoint.describe(), e.toString());
    }
  }

  /**
   * Waits for one request's answer for one attempt's time ({@link Deadline#attempt()}), never past the
   * deadline. A {@link TimeoutException} while the deadline has not passed means a silent server:
   * {@link #call} moves on and redoes the attempt. Only used inside {@link #call}'s attempts.
   */
  static <T> T await(CompletableFuture<T> future, Deadline deadline)
      throws KeeperException, InterruptedException, TimeoutException {
    Deadline until = deadline.attempt();
    try {
      return future.get(Math.max(0, until.remainingNanos()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof KeeperException ke) {
        throw ke;
      }
      throw new IllegalStateException("unexpected failure of a ZooKeeper request", e.getCause());
    }
  }

  // ---- ZooKeeper's callbacks as futures ----

  private static <T> void settle(CompletableFuture<T> f, int rc, String path, T value) {
    if (rc == Code.OK.intValue()) {
      f.complete(value);
    } else {
      f.completeExceptionally(KeeperException.create(Code.get(rc), path));
    }
  }

  static CompletableFuture<Node> getData(ZxidZooKeeper zk, String path) {
    CompletableFuture<Node> f = new CompletableFuture<>();
    zk.getData(path, false, (rc, p, ctx, data, stat) -> settle(f, rc, p, rc == 0 ? new Node(path, data, stat) : null),
        null);
    return f;
  }

  static CompletableFuture<List<String>> getChildren(ZxidZooKeeper zk, String path) {
    CompletableFuture<List<String>> f = new CompletableFuture<>();
    zk.getChildren(path, false, (rc, p, ctx, children, stat) -> settle(f, rc, p, children), null);
    return f;
  }

  /** Children and the parent's stat (for its pzxid). */
  record Children(List<String> names, Stat stat) {}

  static CompletableFuture<Children> getChildrenAndStat(ZxidZooKeeper zk, String path) {
    CompletableFuture<Children> f = new CompletableFuture<>();
    zk.getChildren(path, false,
        (rc, p, ctx, children, stat) -> settle(f, rc, p, rc == 0 ? new Children(children, stat) : null), null);
    return f;
  }

  static CompletableFuture<Stat> exists(ZxidZooKeeper zk, String path) {
    CompletableFuture<Stat> f = new CompletableFuture<>();
    zk.exists(path, false, (rc, p, ctx, stat) -> {
      // exists answers NONODE for a missing node; that is an answer (null), not a failure.
      if (rc == Code.NONODE.intValue()) {
        f.complete(null);
      } else {
        settle(f, rc, p, stat);
      }
    }, null);
    return f;
  }

  /** Creates a node and returns its stat (the create2 request, so the new mzxid is known). */
  static CompletableFuture<Stat> create(ZxidZooKeeper zk, String path, byte[] data, CreateMode mode) {
    CompletableFuture<Stat> f = new CompletableFuture<>();
    zk.create(path, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, mode,
        (org.apache.zookeeper.AsyncCallback.Create2Callback) (rc, p, ctx, name, stat) -> settle(f, rc, p, stat),
        null);
    return f;
  }

  static CompletableFuture<Stat> setData(ZxidZooKeeper zk, String path, byte[] data, int version) {
    CompletableFuture<Stat> f = new CompletableFuture<>();
    zk.setData(path, data, version, (rc, p, ctx, stat) -> settle(f, rc, p, stat), null);
    return f;
  }

  static CompletableFuture<Void> delete(ZxidZooKeeper zk, String path, int version) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    zk.delete(path, version, (rc, p, ctx) -> settle(f, rc, p, null), null);
    return f;
  }

  static CompletableFuture<Void> sync(ZxidZooKeeper zk, String path) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    zk.sync(path, (rc, p, ctx) -> settle(f, rc, p, null), null);
    return f;
  }

  static CompletableFuture<Void> addRecursiveWatch(ZxidZooKeeper zk, String path, Watcher watcher) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    zk.addWatch(path, watcher, AddWatchMode.PERSISTENT_RECURSIVE, (rc, p, ctx) -> settle(f, rc, p, null), null);
    return f;
  }

  /**
   * Atomically replaces a node by a new one with another owner: ZooKeeper cannot move a node between
   * sessions (or make it persistent), so "write with this lease" on a node owned otherwise is a delete
   * of the exact version read plus a create, in one transaction. Returns the new node's stat.
   */
  static CompletableFuture<Stat> replace(ZxidZooKeeper zk, String path, int expectedVersion, byte[] data,
      CreateMode mode) {
    CompletableFuture<Stat> f = new CompletableFuture<>();
    List<Op> ops = List.of(
        Op.delete(path, expectedVersion),
        // The CreateOptions form sends create2, whose result carries the stat.
        Op.create(path, data, CreateOptions.newBuilder(ZooDefs.Ids.OPEN_ACL_UNSAFE, mode).build()));
    zk.multi(ops, (rc, p, ctx, results) -> {
      if (rc != Code.OK.intValue()) {
        f.completeExceptionally(KeeperException.create(firstError(rc, results), path));
        return;
      }
      OpResult created = results.get(1);
      if (created instanceof OpResult.CreateResult cr && cr.getStat() != null) {
        f.complete(cr.getStat());
      } else {
        f.completeExceptionally(new KeeperException.APIErrorException());
      }
    }, null);
    return f;
  }

  /**
   * Creates the missing ancestors (persistent, empty) and the node in one transaction, so a failure
   * never leaves an empty parent behind that nothing lives under. Returns the node's stat.
   */
  static CompletableFuture<Stat> createWithAncestors(ZxidZooKeeper zk, List<String> missingAncestors,
      String path, byte[] data, CreateMode mode) {
    CompletableFuture<Stat> f = new CompletableFuture<>();
    List<Op> ops = new java.util.ArrayList<>();
    for (String ancestor : missingAncestors) {
      ops.add(Op.create(ancestor, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
    }
    ops.add(Op.create(path, data, CreateOptions.newBuilder(ZooDefs.Ids.OPEN_ACL_UNSAFE, mode).build()));
    zk.multi(ops, (rc, p, ctx, results) -> {
      if (rc != Code.OK.intValue()) {
        f.completeExceptionally(KeeperException.create(firstError(rc, results), path));
        return;
      }
      OpResult created = results.get(results.size() - 1);
      if (created instanceof OpResult.CreateResult cr && cr.getStat() != null) {
        f.complete(cr.getStat());
      } else {
        f.completeExceptionally(new KeeperException.APIErrorException());
      }
    }, null);
    return f;
  }

  private static Code firstError(int rc, List<OpResult> results) {
    if (results != null) {
      for (OpResult r : results) {
        if (r instanceof OpResult.ErrorResult er && er.getErr() != Code.OK.intValue()
            && er.getErr() != Code.RUNTIMEINCONSISTENCY.intValue()) {
          return Code.get(er.getErr());
        }
      }
    }
    return Code.get(rc);
  }
}
