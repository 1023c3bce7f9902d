package dev.primus.dcs.zookeeper;

import static dev.primus.dcs.zookeeper.Requests.await;

import dev.primus.dcs.spi.Capability;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsException.Kind;
import dev.primus.dcs.spi.DeleteResult;
import dev.primus.dcs.spi.KeepAliveResult;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.Watchable;
import dev.primus.dcs.spi.WriteResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SPI's key-value store on ZooKeeper, through Apache Curator.
 *
 * <h2>Mapping</h2>
 * <ul>
 *   <li><b>Keys</b> are znode paths as given ({@code /service/pg/leader}, Patroni's layout). Missing
 *       parents are created persistent and empty. A znode with children and no data is a directory, not
 *       a key (see {@link Node}); {@code /zookeeper} is ZooKeeper's own and never a key.</li>
 *   <li><b>Leases</b> are ZooKeeper sessions, one per lease, with session timeout = TTL; leased keys are
 *       ephemeral znodes of that session. {@code Lease.id} and {@code KeyValue.leaseId} are the session
 *       id / ephemeral owner in hex. ZooKeeper's client keeps a session alive from its own thread, so a
 *       store-side timer closes a lease's session once {@code keepAlive} has not been called for the TTL
 *       — a frozen agent loses its keys as the SPI promises. {@code keepAlive} is a round trip on the
 *       lease's session, so an expiry on the server is reported as {@code Expired}.</li>
 *   <li><b>Versions</b> are the znode's mzxid, not its {@code version} counter: a znode version restarts
 *       at 0 when the node is deleted and created again (and when a leased key is moved to a new
 *       session), so a stale token could match again. An mzxid is never reused. The conditional writes
 *       read the node, check the condition, then write with the znode version just read, so a change
 *       in between fails the write, and the loop re-reads.</li>
 *   <li><b>Attaching a lease</b> (or removing one) replaces the znode, as ZooKeeper cannot move a node
 *       between sessions: one transaction deletes the exact version read and creates the new one.</li>
 *   <li><b>Reads</b> first {@code sync}, so a follower that lags the leader cannot hide a write another
 *       session has had acknowledged. A mismatch found by a conditional write is likewise confirmed
 *       after a {@code sync} before it is reported as a conflict.</li>
 *   <li><b>Snapshot revision</b>: the newest zxid the store's session had seen when the read began;
 *       see {@link PrefixWatch}, the native watch ({@link Capability#WATCH}).</li>
 *   <li><b>Connection state</b>: Curator's, of the store's own session, whose timeout is the TTL.</li>
 *   <li><b>Deadlines</b>: every call ends within {@code retry_timeout}. Connection losses are retried
 *       within it; a server that leaves a request unanswered for one attempt (a third of the call's
 *       time) is left for the next one with the same session (see {@link Requests}); a write whose
 *       answer was lost and cannot be settled by reading is reported as {@code TIMEOUT} (outcome
 *       unknown), never guessed.</li>
 * </ul>
 */
public final class ZooKeeperKeyValueStore implements KeyValueStore {
  private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperKeyValueStore.class);
  private static final byte[] EMPTY = new byte[0];
  /** A request over jute.maxbuffer (1 MiB by default) makes the server drop the connection. */
  private static final int MAX_VALUE_BYTES = Integer.getInteger("jute.maxbuffer", 0xfffff) - 4096;
  /** How often an overdue lease whose session is disconnected is looked at again. */
  private static final long LOCAL_EXPIRY_RECHECK_MS = 50;

  private enum Condition { ABSENT, VERSION, VALUE, ANY }

  private final ZooKeeperConfig config;
  private final ClientSettings client;
  private final MainSession main;
  private final PrefixWatch watch;
  private final ConcurrentMap<String, LeaseSession> leases = new ConcurrentHashMap<>();
  /** Local lease expiry. One thread: the tasks only mark and hand off. */
  private final ScheduledThreadPoolExecutor timers;
  /** Closing a session waits for the server; never on the timer thread or under a lock. */
  private final ExecutorService closer;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Starts connecting at once; calls wait for the connection within their deadline. */
  public ZooKeeperKeyValueStore(ZooKeeperConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    this.client = ClientSettings.of(config);
    this.timers = new ScheduledThreadPoolExecutor(1, daemon("primus-zk-lease-timer"));
    this.timers.setRemoveOnCancelPolicy(true);
    this.closer = Executors.newCachedThreadPool(daemon("primus-zk-lease-close"));
    this.main = new MainSession(client, config);
    this.watch = new PrefixWatch(main, config.retryTimeout());
    main.start();
  }

  /** The servers the store's session and each lease's session are connected to (for tests). */
  java.util.Map<String, java.net.InetSocketAddress> connectedServers() {
    java.util.Map<String, java.net.InetSocketAddress> m = new java.util.LinkedHashMap<>();
    main.server().ifPresent(a -> m.put("store", a));
    leases.forEach((id, s) -> s.handle().server().ifPresent(a -> m.put("lease " + id, a)));
    return m;
  }

  /** The configuration this store was built from. */
  public ZooKeeperConfig config() {
    return config;
  }

  // ---- leases ----

  @Override
  public Lease grant(Duration ttl) throws DcsException {
    ensureOpen();
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new DcsException(Kind.INVALID_REQUEST, "lease ttl must be positive, got " + ttl);
    }
    long start = System.nanoTime();
    LeaseSession session;
    try {
      session = LeaseSession.open(client, ttl, deadline());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DcsException(Kind.UNAVAILABLE, "interrupted while opening a lease session", e);
    }
    leases.put(session.lease().id(), session);
    if (closed.get()) {
      leases.remove(session.lease().id());
      session.end("the store closed");
      session.abandon();
      throw new DcsException(Kind.UNAVAILABLE, "the store is closed");
    }
    session.renew(timers, start, () -> expireLocally(session));
    LOG.debug("granted lease {} with ttl {}", session.lease().id(), session.lease().ttl());
    return session.lease();
  }

  @Override
  public KeepAliveResult keepAlive(Lease lease) throws DcsException {
    ensureOpen();
    Objects.requireNonNull(lease, "lease");
    LeaseSession session = leases.get(lease.id());
    if (session == null || session.ended()) {
      forget(lease.id(), session);
      return new KeepAliveResult.Expired();
    }
    long start = System.nanoTime();
    Deadline d = deadline();
    try {
      // A round trip on the lease's own session: only the server can say the session is alive.
      Requests.call(session, d, Attempts.reads(), zk -> await(Requests.exists(zk, "/"), d));
    } catch (DcsException e) {
      if (e.kind() == Kind.LEASE_NOT_FOUND) {
        forget(lease.id(), session);
        return new KeepAliveResult.Expired();
      }
      throw e;
    } catch (KeeperException e) {
      throw unexpected(e);
    }
    if (session.overdue(start)) {
      // Reachable again, but this keep-alive came after the ttl had run out (during an outage the
      // lease was unconfirmed, not renewed): it is over, as the timer would decide in a moment.
      endOverdue(session);
      return new KeepAliveResult.Expired();
    }
    if (!session.renew(timers, start, () -> expireLocally(session))) {
      forget(lease.id(), session);
      return new KeepAliveResult.Expired();
    }
    return new KeepAliveResult.Alive(session.lease());
  }

  @Override
  public void revoke(Lease lease) throws DcsException {
    ensureOpen();
    Objects.requireNonNull(lease, "lease");
    LeaseSession session = leases.remove(lease.id());
    if (session == null) {
      return;
    }
    boolean reachable = session.isConnected();
    if (!session.end("revoked")) {
      return;
    }
    Future<?> closing = closer.submit(session::closeSession);
    Deadline d = deadline();
    try {
      closing.get(Math.max(0, d.remainingNanos()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new DcsException(Kind.TIMEOUT, "revoking lease " + lease.id()
          + ": ZooKeeper did not confirm closing the session in time; its keys vanish by the session timeout");
    } catch (ExecutionException e) {
      throw new DcsException(Kind.INTERNAL, "revoking lease " + lease.id() + " failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DcsException(Kind.TIMEOUT, "interrupted while revoking lease " + lease.id(), e);
    }
    if (!reachable) {
      throw new DcsException(Kind.UNAVAILABLE, "lease " + lease.id() + " ended here, but ZooKeeper was not"
          + " reachable to delete its keys now; they vanish when the server expires the session");
    }
  }

  private void expireLocally(LeaseSession session) {
    if (!session.overdue(System.nanoTime())) {
      return; // renewed while this task was starting
    }
    if (!session.isConnected()) {
      // Closing needs the server. Meanwhile the server itself expires the session one timeout (= ttl)
      // after it last heard from this client; if the client gets back first, it closes the session
      // then. Until then the lease is unconfirmed, not gone: calls with it fail as unavailable.
      if (!session.ended()) {
        try {
          timers.schedule(() -> expireLocally(session), LOCAL_EXPIRY_RECHECK_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
          // the store is closing: its close() drops every session
        }
      }
      return;
    }
    endOverdue(session);
  }

  private void endOverdue(LeaseSession session) {
    if (session.end("not kept alive for its ttl of " + session.lease().ttl())) {
      leases.remove(session.lease().id(), session);
      LOG.info("lease {} was not kept alive for {}: closing its session, which deletes its keys",
          session.lease().id(), session.lease().ttl());
      closeInBackground(session);
    }
  }

  private void forget(String id, LeaseSession session) {
    if (session != null && leases.remove(id, session)) {
      closeInBackground(session);
    }
  }

  private void closeInBackground(LeaseSession session) {
    try {
      closer.execute(session::closeSession);
    } catch (RejectedExecutionException e) {
      session.abandon(); // the store is closing
    }
  }

  private LeaseSession leaseSession(Lease lease) throws DcsException {
    LeaseSession session = leases.get(lease.id());
    if (session == null || session.ended()) {
      String why = session == null ? "it was not granted by this store, or it expired" : session.endReason();
      throw new DcsException(Kind.LEASE_NOT_FOUND, "lease " + lease.id() + " is not alive: " + why);
    }
    return session;
  }

  // ---- reads ----

  @Override
  public Snapshot read(String prefix) throws DcsException {
    ensureOpen();
    Tree.Scope scope = Tree.scope(prefix);
    Deadline d = deadline();
    try {
      return Requests.call(main, d, Attempts.reads(), zk -> {
        await(Requests.sync(zk, "/"), d);
        long revision = zk.lastZxid();
        Tree.Walk walk = Tree.walk(zk, scope, d);
        return new Snapshot(prefix, walk.entries(), revision, main.state());
      });
    } catch (KeeperException e) {
      throw unexpected(e);
    }
  }

  // ---- writes ----

  @Override
  public WriteResult createIfAbsent(String key, String value, Optional<Lease> lease) throws DcsException {
    return write(key, value, Condition.ABSENT, 0, null, lease);
  }

  @Override
  public WriteResult compareAndSet(String key, String value, long expectedVersion, Optional<Lease> lease)
      throws DcsException {
    return write(key, value, Condition.VERSION, expectedVersion, null, lease);
  }

  @Override
  public WriteResult compareValueAndSet(String key, String expectedValue, String value, Optional<Lease> lease)
      throws DcsException {
    Objects.requireNonNull(expectedValue, "expectedValue");
    return write(key, value, Condition.VALUE, 0, expectedValue, lease);
  }

  @Override
  public WriteResult put(String key, String value, Optional<Lease> lease) throws DcsException {
    return write(key, value, Condition.ANY, 0, null, lease);
  }

  /**
   * Every write: read, check, then write against the znode version just read; a lost race re-reads.
   * Only an {@code ABSENT} condition skips the first read, as create itself is the check.
   */
  private WriteResult write(String key, String value, Condition condition, long expectedVersion,
      String expectedValue, Optional<Lease> lease) throws DcsException {
    ensureOpen();
    Tree.checkKey(key);
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(lease, "lease");
    byte[] data = value.getBytes(StandardCharsets.UTF_8);
    if (data.length > MAX_VALUE_BYTES) {
      throw new DcsException(Kind.INVALID_REQUEST, "value of " + key + " is " + data.length
          + " bytes; ZooKeeper takes at most " + MAX_VALUE_BYTES);
    }
    Endpoint endpoint = lease.isPresent() ? leaseSession(lease.get()) : main;
    long owner = lease.isPresent() ? ((LeaseSession) endpoint).sessionId() : 0;
    CreateMode mode = lease.isPresent() ? CreateMode.EPHEMERAL : CreateMode.PERSISTENT;
    Deadline d = deadline();
    Attempts attempts = Attempts.writes();
    boolean synced = false;
    boolean readFirst = condition != Condition.ABSENT;
    try {
      while (true) {
        Node current = readFirst ? get(endpoint, d, attempts, key) : null;
        readFirst = true;
        boolean present = current != null && current.isKey();

        if (!present) {
          if (condition == Condition.VERSION || condition == Condition.VALUE) {
            if (!synced) {
              sync(endpoint, d, attempts);
              synced = true;
              continue;
            }
            return new WriteResult.Conflict(Optional.empty());
          }
          if (current == null) {
            try {
              return written(createWithParents(endpoint, d, attempts, key, data, mode));
            } catch (KeeperException.NodeExistsException e) {
              continue; // someone was first: the next read decides
            }
          }
          // A directory. Without children any more it is replaced by a fresh node, which then reads as
          // a key whatever its value. With children it can only take a value as it is (persistent).
          int dirVersion = current.stat().getVersion();
          try {
            if (current.stat().getNumChildren() == 0) {
              return written(Requests.call(endpoint, d, attempts,
                  zk -> await(Requests.replace(zk, key, dirVersion, data, mode), d)));
            }
            if (owner != 0) {
              throw new DcsException(Kind.INVALID_REQUEST, key + " has keys under it; ZooKeeper cannot make"
                  + " it ephemeral, so it cannot be attached to a lease");
            }
            return written(Requests.call(endpoint, d, attempts,
                zk -> await(Requests.setData(zk, key, data, dirVersion), d)));
          } catch (KeeperException.BadVersionException | KeeperException.NoNodeException
              | KeeperException.NotEmptyException e) {
            continue;
          }
        }

        boolean holds = switch (condition) {
          case ABSENT -> false;
          case VERSION -> current.stat().getMzxid() == expectedVersion;
          case VALUE -> current.value().equals(expectedValue);
          case ANY -> true;
        };
        if (!holds) {
          if (condition != Condition.ABSENT && !synced) {
            // This session's server may lag behind the one that took the caller's last write.
            sync(endpoint, d, attempts);
            synced = true;
            continue;
          }
          if (attempts.maybeApplied() && current.value().equals(value)) {
            // The condition fails now, possibly because our own earlier try landed before its answer
            // was lost. An ephemeral of our own session with our value is ours; otherwise say so.
            if (owner != 0 && current.owner() == owner) {
              return written(current.stat());
            }
            throw new DcsException(Kind.TIMEOUT, "write of " + key + ": the answer was lost and the key"
                + " now holds the value written; whether this write or another made it is unknown");
          }
          return new WriteResult.Conflict(Optional.of(current.toKeyValue()));
        }

        int version = current.stat().getVersion();
        try {
          Stat stat;
          if (current.owner() == owner) {
            stat = Requests.call(endpoint, d, attempts, zk -> await(Requests.setData(zk, key, data, version), d));
          } else {
            stat = Requests.call(endpoint, d, attempts, zk -> await(Requests.replace(zk, key, version, data, mode), d));
          }
          return written(stat);
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
          continue; // changed since the read: read again
        } catch (KeeperException.NotEmptyException e) {
          throw new DcsException(Kind.INVALID_REQUEST, key + " has keys under it; ZooKeeper cannot make it"
              + " ephemeral, so it cannot be attached to a lease");
        }
      }
    } catch (KeeperException e) {
      throw unexpected(e);
    }
  }

  /** Creates {@code path}, creating missing parents as persistent empty znodes in the same transaction. */
  private Stat createWithParents(Endpoint endpoint, Deadline d, Attempts attempts, String path, byte[] data,
      CreateMode mode) throws DcsException, KeeperException {
    for (int tries = 0; ; tries++) {
      try {
        return Requests.call(endpoint, d, attempts, zk -> await(Requests.create(zk, path, data, mode), d));
      } catch (KeeperException.NoNodeException e) {
        if (tries >= 3) {
          throw e; // parents keep vanishing: a concurrent deletePrefix; report rather than loop
        }
      }
      List<String> missing = Requests.call(endpoint, d, attempts, zk -> {
        List<String> ancestors = Tree.ancestors(path);
        List<CompletableFuture<Stat>> probes = new ArrayList<>();
        for (String a : ancestors) {
          probes.add(Requests.exists(zk, a));
        }
        List<String> absent = new ArrayList<>();
        for (int i = 0; i < ancestors.size(); i++) {
          if (await(probes.get(i), d) == null) {
            absent.add(ancestors.get(i));
          }
        }
        return absent;
      });
      try {
        return Requests.call(endpoint, d, attempts,
            zk -> await(Requests.createWithAncestors(zk, missing, path, data, mode), d));
      } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException e) {
        // A parent appeared or vanished meanwhile (or the node itself appeared): try again from the top.
      }
    }
  }

  // ---- deletes ----

  @Override
  public DeleteResult deleteIfVersion(String key, long expectedVersion) throws DcsException {
    return delete(key, Condition.VERSION, expectedVersion, null);
  }

  @Override
  public DeleteResult deleteIfValue(String key, String expectedValue) throws DcsException {
    Objects.requireNonNull(expectedValue, "expectedValue");
    return delete(key, Condition.VALUE, 0, expectedValue);
  }

  private DeleteResult delete(String key, Condition condition, long expectedVersion, String expectedValue)
      throws DcsException {
    ensureOpen();
    Tree.checkKey(key);
    Deadline d = deadline();
    Attempts attempts = Attempts.writes();
    boolean synced = false;
    try {
      while (true) {
        Node current = get(main, d, attempts, key);
        boolean present = current != null && current.isKey();
        if (!present) {
          if (attempts.maybeApplied()) {
            return DeleteResult.DELETED; // our delete landed before its answer was lost
          }
          if (!synced) {
            sync(main, d, attempts);
            synced = true;
            continue;
          }
          return DeleteResult.ABSENT;
        }
        boolean holds = condition == Condition.VERSION
            ? current.stat().getMzxid() == expectedVersion
            : current.value().equals(expectedValue);
        if (!holds) {
          if (!synced) {
            sync(main, d, attempts);
            synced = true;
            continue;
          }
          return DeleteResult.CONFLICT;
        }
        int version = current.stat().getVersion();
        try {
          Requests.call(main, d, attempts, zk -> await(Requests.delete(zk, key, version), d));
          return DeleteResult.DELETED;
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
          continue;
        } catch (KeeperException.NotEmptyException e) {
          // Keys live below it: it stays as a directory, which is what an absent key above keys is.
          try {
            Requests.call(main, d, attempts, zk -> await(Requests.setData(zk, key, EMPTY, version), d));
            return DeleteResult.DELETED;
          } catch (KeeperException.BadVersionException | KeeperException.NoNodeException again) {
            continue;
          }
        }
      }
    } catch (KeeperException e) {
      throw unexpected(e);
    }
  }

  @Override
  public long deletePrefix(String prefix) throws DcsException {
    ensureOpen();
    Tree.Scope scope = Tree.scope(prefix);
    Deadline d = deadline();
    AtomicLong deleted = new AtomicLong();
    try {
      Requests.call(main, d, Attempts.writes(), zk -> {
        while (true) {
          List<Node> nodes = new ArrayList<>(Tree.walk(zk, scope, d).nodes());
          if (nodes.isEmpty()) {
            return null;
          }
          // Deepest first, so each node is a leaf by its turn; one pipelined round trip per depth.
          nodes.sort(Comparator.comparingInt((Node n) -> depth(n.path())).reversed());
          boolean raced = false;
          int i = 0;
          while (i < nodes.size()) {
            int depth = depth(nodes.get(i).path());
            List<Node> batch = new ArrayList<>();
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (; i < nodes.size() && depth(nodes.get(i).path()) == depth; i++) {
              batch.add(nodes.get(i));
              pending.add(Requests.delete(zk, nodes.get(i).path(), -1));
            }
            for (int j = 0; j < batch.size(); j++) {
              try {
                await(pending.get(j), d);
                if (batch.get(j).isKey()) {
                  deleted.incrementAndGet();
                }
              } catch (KeeperException.NoNodeException e) {
                // someone else deleted it (or our earlier try did)
              } catch (KeeperException.NotEmptyException e) {
                raced = true; // a key was created below it meanwhile: walk again
              }
            }
          }
          if (!raced) {
            return null;
          }
        }
      });
    } catch (KeeperException e) {
      throw unexpected(e);
    }
    return deleted.get();
  }

  private static int depth(String path) {
    int n = 0;
    for (int i = 0; i < path.length(); i++) {
      if (path.charAt(i) == '/') {
        n++;
      }
    }
    return n;
  }

  // ---- state, facets, lifecycle ----

  @Override
  public ConnectionState connectionState() {
    return main.state();
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.WATCH);
  }

  @Override
  public Optional<Watchable> watcher() {
    return Optional.of(watch);
  }

  /**
   * Closes the store's connections. Leases are not revoked: their sessions are dropped without being
   * closed, so their keys vanish when the server expires them, one TTL later — as if the process died.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    watch.close();
    for (LeaseSession session : leases.values()) {
      session.end("the store closed");
      session.abandon();
    }
    leases.clear();
    timers.shutdownNow();
    closer.shutdown();
    try {
      closer.awaitTermination(config.retryTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    main.close();
    client.close();
  }

  // ---- for tests in this package ----

  /** The handle of a live lease's session, to expire it from the server side. */
  Optional<ZxidZooKeeper> leaseHandle(String leaseId) {
    return Optional.ofNullable(leases.get(leaseId)).map(LeaseSession::handle);
  }

  /** Every state Curator reports, in order, as the store maps it (sampling can miss a brief LOST). */
  void addConnectionListener(java.util.function.Consumer<ConnectionState> listener) {
    main.addListener(listener);
  }

  /** The store's own session handle, when connected within the retry timeout. */
  Optional<ZxidZooKeeper> mainHandle() throws DcsException, InterruptedException {
    return Optional.ofNullable(main.awaitConnected(deadline()));
  }

  // ---- helpers ----

  private Node get(Endpoint endpoint, Deadline d, Attempts attempts, String key) throws DcsException, KeeperException {
    try {
      return Requests.call(endpoint, d, attempts, zk -> await(Requests.getData(zk, key), d));
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
  }

  private void sync(Endpoint endpoint, Deadline d, Attempts attempts) throws DcsException, KeeperException {
    Requests.call(endpoint, d, attempts, zk -> await(Requests.sync(zk, "/"), d));
  }

  private static WriteResult written(Stat stat) {
    return new WriteResult.Written(stat.getMzxid());
  }

  private Deadline deadline() {
    return Deadline.after(config.retryTimeout());
  }

  private void ensureOpen() throws DcsException {
    if (closed.get()) {
      throw new DcsException(Kind.UNAVAILABLE, "the store is closed");
    }
  }

  private static DcsException unexpected(KeeperException e) {
    return new DcsException(Kind.INTERNAL, "unexpected ZooKeeper answer " + e.code()
        + (e.getPath() == null ? "" : " at " + e.getPath()), e);
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
