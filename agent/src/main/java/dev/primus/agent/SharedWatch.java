package dev.primus.agent;

import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.PollingWatch;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.Watchable;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch on a cluster prefix of one store, shared by every agent of the runtime that watches it: a
 * thread waits for a change ({@link Watchable}, the store's own watch or {@link PollingWatch}), reads the
 * prefix once, and tells every listener which keys changed (relative to the prefix). It waits again from
 * that read's revision, so no change falls between two waits; after a failure it starts over with a fresh
 * read a second later.
 */
final class SharedWatch {
  private static final Logger LOG = LoggerFactory.getLogger(SharedWatch.class);
  private static final Duration RETRY = Duration.ofSeconds(1);
  /** How long one wait may last before it is renewed (only bounds how late a stop is noticed). */
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final KeyValueStore store;
  private final String prefix;
  private final Duration pollInterval;
  private final List<Consumer<Set<String>>> listeners = new CopyOnWriteArrayList<>();
  private final Executor notifier;
  private volatile boolean stopped;
  private Thread thread;

  SharedWatch(KeyValueStore store, String prefix, Duration pollInterval, Executor notifier) {
    this.store = Objects.requireNonNull(store, "store");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
    this.notifier = Objects.requireNonNull(notifier, "notifier");
  }

  synchronized void add(Consumer<Set<String>> listener) {
    listeners.add(listener);
    if (thread == null && !stopped) {
      thread = new Thread(this::run, "primus-watch " + prefix);
      thread.setDaemon(true);
      thread.start();
    }
  }

  /** Removes {@code listener}; true when it was the last one (the watch has stopped). */
  synchronized boolean remove(Consumer<Set<String>> listener) {
    listeners.remove(listener);
    if (listeners.isEmpty()) {
      stop();
      return true;
    }
    return false;
  }

  synchronized boolean running() {
    return thread != null && thread.isAlive();
  }

  synchronized void stop() {
    stopped = true;
    if (thread != null) {
      thread.interrupt();
    }
  }

  private void run() {
    Watchable w = PollingWatch.of(store, pollInterval);
    long since = -1;
    Map<String, String> seen = Map.of();
    while (!stopped) {
      try {
        if (since < 0) {
          Snapshot s = store.read(prefix);
          since = s.revision();
          seen = entries(s);
        }
        if (w.awaitChange(prefix, since, WAIT) == Watchable.WatchOutcome.CHANGED) {
          Snapshot s = store.read(prefix);
          since = s.revision();
          Map<String, String> now = entries(s);
          Set<String> changed = diff(seen, now);
          seen = now;
          if (!changed.isEmpty()) {
            notifyListeners(changed);
          }
        }
      } catch (InterruptedException e) {
        return;
      } catch (DcsException e) {
        LOG.debug("DCS watch on {}: {}; again in {} s", prefix, e.getMessage(), RETRY.toSeconds());
        since = -1;
        if (!pause()) {
          return;
        }
      } catch (RuntimeException e) {
        LOG.warn("DCS watch on {} failed; again in {} s", prefix, RETRY.toSeconds(), e);
        since = -1;
        if (!pause()) {
          return;
        }
      }
    }
  }

  private void notifyListeners(Set<String> changed) {
    Set<String> view = Set.copyOf(changed);
    for (Consumer<Set<String>> l : listeners) {
      try {
        notifier.execute(() -> l.accept(view));
      } catch (RuntimeException e) {
        LOG.debug("could not hand a watch event over: {}", e.toString());
      }
    }
  }

  private boolean pause() {
    try {
      Thread.sleep(RETRY.toMillis());
      return !stopped;
    } catch (InterruptedException e) {
      return false;
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
