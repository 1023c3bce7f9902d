package dev.primus.runner.loop;

import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.Watchable;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DCS watch thread: waits on the cluster prefix ({@link Watchable}, the store's native watch or
 * {@link dev.primus.dcs.spi.PollingWatch}) and wakes the loop when a key that calls for a decision
 * changes: {@code leader}, {@code config}, {@code failover}, {@code initialize}, {@code sync}.
 *
 * <p>It does not wake the loop for member keys and {@code status}: every member rewrites its key when its
 * WAL position moves, and waking on those would turn the loop into a busy one (Patroni filters the same
 * way). After a change it reads the prefix once to tell which keys changed, and waits again from that
 * read's revision, so no change can fall between two waits.
 */
final class DcsWatcher implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(DcsWatcher.class);
  private static final Set<String> INTERESTING = Set.of("leader", "config", "failover", "initialize", "sync");
  private static final Duration RETRY = Duration.ofSeconds(1);

  private final Supplier<Watchable> watchable;
  private final Supplier<KeyValueStore> store;
  private final String prefix;
  private final Supplier<Duration> timeout;
  private final Runnable wake;
  private volatile boolean stopped;

  DcsWatcher(Supplier<Watchable> watchable, Supplier<KeyValueStore> store, String prefix, Supplier<Duration> timeout,
      Runnable wake) {
    this.watchable = Objects.requireNonNull(watchable, "watchable");
    this.store = Objects.requireNonNull(store, "store");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.wake = Objects.requireNonNull(wake, "wake");
  }

  void stop() {
    stopped = true;
  }

  @Override
  public void run() {
    long since = -1;
    String seen = "";
    Watchable w = watchable.get();
    while (!stopped && !Thread.currentThread().isInterrupted()) {
      try {
        if (since < 0) {
          Snapshot s = store.get().read(prefix);
          since = s.revision();
          seen = fingerprint(s);
        }
        Watchable.WatchOutcome o = w.awaitChange(prefix, since, timeout.get());
        if (o == Watchable.WatchOutcome.CHANGED) {
          Snapshot s = store.get().read(prefix);
          since = s.revision();
          String now = fingerprint(s);
          if (!now.equals(seen)) {
            seen = now;
            wake.run();
          }
        }
      } catch (DcsException e) {
        LOG.debug("DCS watch: {}; again in {} s", e.getMessage(), RETRY.toSeconds());
        since = -1;
        if (!pause()) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("DCS watch failed; again in {} s", RETRY.toSeconds(), e);
        since = -1;
        if (!pause()) {
          return;
        }
      }
    }
  }

  private boolean pause() {
    try {
      Thread.sleep(RETRY.toMillis());
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  /** The keys that call for a decision, with their values and versions. */
  String fingerprint(Snapshot s) {
    StringBuilder sb = new StringBuilder();
    List<KeyValue> entries = s.entries();
    for (KeyValue kv : entries) {
      if (!kv.key().startsWith(prefix)) {
        continue;
      }
      String rel = kv.key().substring(prefix.length());
      if (INTERESTING.contains(rel)) {
        sb.append(rel).append('=').append(kv.value()).append('@').append(kv.version()).append('\n');
      }
    }
    return sb.toString();
  }
}
