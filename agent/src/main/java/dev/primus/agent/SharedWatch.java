package dev.primus.agent;

import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.Watchable;
import dev.primus.dcs.spi.Watchable.PendingChange;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch on a cluster prefix of one store, shared by every agent of the runtime that watches it: it
 * learns of a change, reads the prefix once, and tells every listener which keys changed (relative to the
 * prefix). It waits again from that read's revision, so no change falls between two waits; after a
 * failure it starts over with a fresh read a second later.
 *
 * <p>How it waits depends on the store, and only the last way holds a thread:
 * <ul>
 *   <li>{@link Watchable#awaitChangeAsync} (etcd, ZooKeeper): the store calls back; the runtime's timer
 *       asks it every {@link #CHECK} whether the watch is still established.</li>
 *   <li>no watch at all: the timer re-reads the prefix every poll interval.</li>
 *   <li>only {@link Watchable#awaitChange} (Consul's blocking query): a worker thread waits in it.</li>
 * </ul>
 */
final class SharedWatch {
  private static final Logger LOG = LoggerFactory.getLogger(SharedWatch.class);
  private static final Duration RETRY = Duration.ofSeconds(1);
  /** How often an async wait is checked for a watch that is down; and how long one blocking wait lasts. */
  static final Duration CHECK = Duration.ofSeconds(10);

  private final KeyValueStore store;
  private final String prefix;
  private final Duration pollInterval;
  private final List<Consumer<Set<String>>> listeners = new CopyOnWriteArrayList<>();
  private final Executor workers;
  private final ScheduledExecutorService timer;

  // Guarded by this.
  private boolean started;
  private boolean stopped;
  private PendingChange pending;
  private ScheduledFuture<?> scheduled;
  private Thread blocking;

  // Touched by one step at a time (each step hands over to the next through an executor).
  private long since = -1;
  private Map<String, String> seen;

  SharedWatch(KeyValueStore store, String prefix, Duration pollInterval, Executor workers,
      ScheduledExecutorService timer) {
    this.store = Objects.requireNonNull(store, "store");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
    this.workers = Objects.requireNonNull(workers, "workers");
    this.timer = Objects.requireNonNull(timer, "timer");
  }

  void add(Consumer<Set<String>> listener) {
    listeners.add(listener);
    synchronized (this) {
      if (started || stopped) {
        return;
      }
      started = true;
    }
    run(this::begin);
  }

  /** Removes {@code listener}; true when it was the last one (the watch has stopped). */
  boolean remove(Consumer<Set<String>> listener) {
    listeners.remove(listener);
    if (listeners.isEmpty()) {
      stop();
      return true;
    }
    return false;
  }

  /** Whether a thread waits in a blocking watch for this prefix now. */
  synchronized boolean holdsThread() {
    return blocking != null;
  }

  void stop() {
    PendingChange p;
    synchronized (this) {
      stopped = true;
      p = pending;
      pending = null;
      if (scheduled != null) {
        scheduled.cancel(false);
        scheduled = null;
      }
      if (blocking != null) {
        blocking.interrupt();
      }
    }
    if (p != null) {
      p.close();
    }
  }

  private synchronized boolean stopped() {
    return stopped;
  }

  /** Reads if it must, then waits the way the store allows. */
  private void begin() {
    if (stopped()) {
      return;
    }
    try {
      if (since < 0) {
        adopt(store.read(prefix));
      }
      Optional<Watchable> watch = store.watcher();
      if (watch.isEmpty()) {
        later(pollInterval, this::poll);
        return;
      }
      Optional<PendingChange> p = watch.get().awaitChangeAsync(prefix, since);
      if (p.isPresent()) {
        arm(p.get());
      } else {
        waitBlocking(watch.get());
      }
    } catch (DcsException e) {
      failed(e);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  private void arm(PendingChange p) {
    synchronized (this) {
      if (stopped) {
        p.close();
        return;
      }
      pending = p;
      scheduled = schedule(CHECK, p::check, true);
    }
    p.outcome().whenComplete((outcome, error) -> run(() -> answered(p, error)));
  }

  /** An async wait ended: a change (read and tell), or a watch that failed (start over). */
  private void answered(PendingChange p, Throwable error) {
    synchronized (this) {
      if (pending != p || stopped) {
        return;
      }
      pending = null;
      if (scheduled != null) {
        scheduled.cancel(false);
        scheduled = null;
      }
    }
    p.close();
    if (error != null) {
      failed(error instanceof java.util.concurrent.CompletionException && error.getCause() != null
          ? error.getCause() : error);
      return;
    }
    try {
      adopt(store.read(prefix));
    } catch (DcsException | RuntimeException e) {
      failed(e);
      return;
    }
    begin();
  }

  private void poll() {
    if (stopped()) {
      return;
    }
    try {
      adopt(store.read(prefix));
    } catch (DcsException | RuntimeException e) {
      LOG.debug("DCS poll of {}: {}", prefix, e.toString());
    }
    later(pollInterval, this::poll);
  }

  /** Holds this worker in the store's blocking wait until the watch stops or fails. */
  private void waitBlocking(Watchable watch) {
    Thread me = Thread.currentThread();
    String name = me.getName();
    synchronized (this) {
      if (stopped) {
        return;
      }
      blocking = me;
    }
    me.setName("primus-watch " + prefix);
    try {
      while (!stopped()) {
        if (watch.awaitChange(prefix, since, CHECK) == Watchable.WatchOutcome.CHANGED) {
          adopt(store.read(prefix));
        }
      }
    } catch (InterruptedException e) {
      // stopped
    } catch (DcsException | RuntimeException e) {
      failed(e);
    } finally {
      synchronized (this) {
        blocking = null;
      }
      me.setName(name);
      Thread.interrupted(); // an interrupt meant for this watch must not reach the worker's next task
    }
  }

  private void failed(Throwable e) {
    since = -1;
    if (e instanceof DcsException) {
      LOG.debug("DCS watch on {}: {}; again in {} s", prefix, e.getMessage(), RETRY.toSeconds());
    } else {
      LOG.warn("DCS watch on {} failed; again in {} s", prefix, RETRY.toSeconds(), e);
    }
    later(RETRY, this::begin);
  }

  /** Takes {@code s} as the newest read and tells the listeners what changed since the one before. */
  private void adopt(Snapshot s) {
    since = s.revision();
    Map<String, String> now = entries(s);
    // After a failure too, what changed while the watch was down is told.
    Set<String> changed = seen == null ? Set.of() : diff(seen, now);
    seen = now;
    if (!changed.isEmpty()) {
      notifyListeners(changed);
    }
  }

  private void later(Duration delay, Runnable step) {
    synchronized (this) {
      if (stopped) {
        return;
      }
      scheduled = schedule(delay, () -> run(step), false);
    }
  }

  private ScheduledFuture<?> schedule(Duration delay, Runnable task, boolean repeat) {
    try {
      return repeat
          ? timer.scheduleWithFixedDelay(task, delay.toMillis(), delay.toMillis(), TimeUnit.MILLISECONDS)
          : timer.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return null; // the runtime is closing
    }
  }

  private void run(Runnable step) {
    try {
      workers.execute(step);
    } catch (RejectedExecutionException e) {
      LOG.debug("the runtime is closing; the watch on {} ends", prefix);
    }
  }

  private void notifyListeners(Set<String> changed) {
    Set<String> view = Set.copyOf(changed);
    for (Consumer<Set<String>> l : listeners) {
      run(() -> l.accept(view));
    }
  }

  /** Relative key to value and version. */
  private Map<String, String> entries(Snapshot s) {
    Map<String, String> out = new HashMap<>();
    for (KeyValue kv : s.entries()) {
      if (kv.key().startsWith(prefix)) {
        out.put(kv.key().substring(prefix.length()), kv.version() + ":" + kv.value());
      }
    }
    return out;
  }

  static Set<String> diff(Map<String, String> before, Map<String, String> after) {
    Set<String> changed = new HashSet<>();
    after.forEach((k, v) -> {
      if (!v.equals(before.get(k))) {
        changed.add(k);
      }
    });
    before.keySet().forEach(k -> {
      if (!after.containsKey(k)) {
        changed.add(k);
      }
    });
    return changed;
  }
}
