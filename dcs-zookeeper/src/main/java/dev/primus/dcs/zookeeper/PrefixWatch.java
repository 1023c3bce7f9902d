package dev.primus.dcs.zookeeper;

import static dev.primus.dcs.zookeeper.Requests.await;

import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsException.Kind;
import dev.primus.dcs.spi.Watchable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

/**
 * The native watch: one persistent recursive ZooKeeper watch (ZooKeeper 3.6+) per watched prefix, on the
 * store's session, kept for the life of the store.
 *
 * <p>Revisions are zxids. {@code Snapshot.revision} is the session's newest zxid when the read began,
 * and a ZooKeeper 3.9 server sends the zxid of the change behind every event, so "changed after
 * {@code sinceRevision}" is a comparison. What events cannot show is closed explicitly:
 * <ul>
 *   <li>Changes before the watch existed on the server. Each registration records a <em>floor</em>: the
 *       session's zxid right after the server added the watch; every later change is evented. A caller
 *       whose revision is below the floor gets one walk of the prefix, comparing the newest mzxid/pzxid
 *       under it with the revision.</li>
 *   <li>Changes while disconnected: ZooKeeper re-adds persistent watches on reconnect but does not
 *       replay what it missed. A connection event ends every wait with {@code CHANGED} (the caller
 *       re-reads and sees the DCS health too), and the next wait registers again, which raises the
 *       floor, so the prefix is checked once more.</li>
 *   <li>Events without a zxid (servers before 3.9): the waiter walks the prefix to decide.</li>
 * </ul>
 */
final class PrefixWatch implements Watchable, AutoCloseable {
  private final MainSession main;
  private final Duration retryTimeout;
  private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();
  private volatile boolean closed;

  PrefixWatch(MainSession main, Duration retryTimeout) {
    this.main = main;
    this.retryTimeout = retryTimeout;
    // Curator's view of the connection; the entries also get ZooKeeper's own connection events.
    main.addListener(state -> entries.values().forEach(Entry::connectionChanged));
  }

  @Override
  public WatchOutcome awaitChange(String prefix, long sinceRevision, Duration timeout)
      throws DcsException, InterruptedException {
    Deadline end = Deadline.after(timeout);
    try {
      Registered r = register(prefix, sinceRevision, end.min(Deadline.after(retryTimeout)));
      Tree.Scope scope = r.scope();
      Entry entry = r.entry();
      long since = r.since();
      long connectionEventsSeen = r.connectionEventsSeen();
      long unknownSeen = r.unknownSeen();
      if (since < entry.floor() && changedSince(scope, since, end)) {
        return WatchOutcome.CHANGED;
      }
      while (true) {
        switch (entry.await(since, connectionEventsSeen, unknownSeen, end)) {
          case CHANGE, CONNECTION:
            return WatchOutcome.CHANGED;
          case TIMEOUT:
            return WatchOutcome.TIMED_OUT;
          case UNKNOWN_ZXID:
            unknownSeen = entry.unknownEvents();
            if (changedSince(scope, since, end)) {
              return WatchOutcome.CHANGED;
            }
            break;
          default:
            throw new IllegalStateException();
        }
      }
    } catch (KeeperException e) {
      throw Requests.classify(main, e);
    }
  }

  /**
   * The same wait held by the entry instead of a thread: ZooKeeper's event thread completes it. An event
   * without a zxid completes it as a change (allowed to be spurious) rather than walking the prefix there.
   */
  @Override
  public Optional<PendingChange> awaitChangeAsync(String prefix, long sinceRevision) throws DcsException {
    Deadline requests = Deadline.after(retryTimeout);
    try {
      Registered r = register(prefix, sinceRevision, requests);
      Entry entry = r.entry();
      CompletableFuture<WatchOutcome> outcome = new CompletableFuture<>();
      if (r.since() < entry.floor() && changedSince(r.scope(), r.since(), requests)) {
        outcome.complete(WatchOutcome.CHANGED);
      } else {
        entry.addWaiter(new Waiter(r.since(), r.connectionEventsSeen(), r.unknownSeen(), outcome));
      }
      return Optional.of(new PendingChange() {
        @Override
        public CompletionStage<WatchOutcome> outcome() {
          return outcome;
        }

        @Override
        public void close() {
          entry.removeWaiter(outcome);
        }
      });
    } catch (KeeperException e) {
      throw Requests.classify(main, e);
    }
  }

  /** A wait's starting point: its entry, registered on the current session, and what it has seen. */
  private record Registered(Tree.Scope scope, Entry entry, long since, long connectionEventsSeen, long unknownSeen) {}

  /**
   * The prefix's entry, its persistent watch (re)registered if the session changed; {@code since} is
   * {@code sinceRevision}, or the session's newest zxid when there is no baseline (wait for the next change).
   */
  private Registered register(String prefix, long sinceRevision, Deadline requests)
      throws DcsException, KeeperException {
    Tree.Scope scope = Tree.scope(prefix);
    Entry entry = entries.computeIfAbsent(prefix, p -> new Entry(scope));
    long connectionEventsSeen = entry.connectionEvents();
    if (closed) {
      throw new DcsException(Kind.UNAVAILABLE, "the store is closed");
    }
    long now = Requests.call(main, requests, Attempts.reads(), zk -> {
      if (entry.needsRegistration(zk.getSessionId())) {
        await(Requests.addRecursiveWatch(zk, scope.root(), entry), requests);
        entry.registered(zk.getSessionId(), zk.lastZxid());
      }
      return zk.lastZxid();
    });
    return new Registered(scope, entry, sinceRevision > 0 ? sinceRevision : now, connectionEventsSeen,
        entry.unknownEvents());
  }

  /** A wait of {@link #awaitChangeAsync}, completed by the entry's events. */
  private record Waiter(long since, long connectionEventsSeen, long unknownSeen,
      CompletableFuture<WatchOutcome> outcome) {}

  /** Whether anything under the prefix changed after {@code since}, by walking it. */
  private boolean changedSince(Tree.Scope scope, long since, Deadline end) throws DcsException, KeeperException {
    Deadline requests = Deadline.after(retryTimeout);
    long content = Requests.call(main, requests, Attempts.reads(),
        zk -> Tree.walk(zk, scope, requests).contentRevision());
    return content > since;
  }

  /** Wakes every waiter; later calls fail. */
  @Override
  public void close() {
    closed = true;
    entries.values().forEach(Entry::connectionChanged);
  }

  private enum Wake { CHANGE, CONNECTION, UNKNOWN_ZXID, TIMEOUT }

  /** One watched prefix: the watcher ZooKeeper calls, and the state waiters look at. */
  private static final class Entry implements Watcher {
    private final Tree.Scope scope;
    // All guarded by this.
    private long registeredSession;
    private boolean stale;
    private long floor = Long.MAX_VALUE;
    private long newestChange;
    private long connectionEvents;
    private long unknownEvents;
    private final List<Waiter> waiters = new ArrayList<>();

    Entry(Tree.Scope scope) {
      this.scope = scope;
    }

    synchronized boolean needsRegistration(long sessionId) {
      return stale || registeredSession != sessionId;
    }

    synchronized void registered(long sessionId, long zxidAfter) {
      registeredSession = sessionId;
      floor = zxidAfter;
      stale = false;
    }

    synchronized long floor() {
      return floor;
    }

    synchronized long connectionEvents() {
      return connectionEvents;
    }

    synchronized long unknownEvents() {
      return unknownEvents;
    }

    void connectionChanged() {
      synchronized (this) {
        stale = true;
        connectionEvents++;
        notifyAll();
      }
      wakeWaiters();
    }

    void addWaiter(Waiter w) {
      synchronized (this) {
        waiters.add(w);
      }
      wakeWaiters();
    }

    synchronized void removeWaiter(CompletableFuture<WatchOutcome> outcome) {
      waiters.removeIf(w -> w.outcome() == outcome);
    }

    /** Completes, outside the lock, every async wait that an event has answered. */
    private void wakeWaiters() {
      List<Waiter> due = new ArrayList<>();
      synchronized (this) {
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
          Waiter w = it.next();
          if (newestChange > w.since() || connectionEvents != w.connectionEventsSeen()
              || unknownEvents != w.unknownSeen()) {
            due.add(w);
            it.remove();
          }
        }
      }
      due.forEach(w -> w.outcome().complete(WatchOutcome.CHANGED));
    }

    synchronized Wake await(long since, long connectionEventsSeen, long unknownSeen, Deadline end)
        throws InterruptedException {
      while (true) {
        if (newestChange > since) {
          return Wake.CHANGE;
        }
        if (connectionEvents != connectionEventsSeen) {
          return Wake.CONNECTION;
        }
        if (unknownEvents != unknownSeen) {
          return Wake.UNKNOWN_ZXID;
        }
        long left = end.remainingNanos();
        if (left <= 0) {
          return Wake.TIMEOUT;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    @Override
    public void process(WatchedEvent event) {
      switch (event.getType()) {
        case None -> connectionChanged(); // disconnected, reconnected or expired: events may be missing
        case PersistentWatchRemoved -> connectionChanged();
        default -> {
          String path = event.getPath();
          if (path != null && scope.matches(path)) {
            synchronized (this) {
              if (event.getZxid() >= 0) {
                newestChange = Math.max(newestChange, event.getZxid());
              } else {
                unknownEvents++;
              }
              notifyAll();
            }
            wakeWaiters();
          }
        }
      }
    }
  }
}
