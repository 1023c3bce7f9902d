package dev.primus.dcs.spi;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The watch fallback for stores without a native one: re-reads the prefix every {@code interval} and
 * reports a change when the entries differ from the first read.
 *
 * <p>This lives in the runner's world (it sleeps), but it is here so that an embedder using only a
 * store and the SPI gets the same fallback the runner uses.
 */
public final class PollingWatch implements Watchable {
  private final KeyValueStore store;
  private final Duration interval;

  public PollingWatch(KeyValueStore store, Duration interval) {
    this.store = Objects.requireNonNull(store, "store");
    this.interval = Objects.requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive, got " + interval);
    }
  }

  /** A watch for {@code store}: its native one, or polling every {@code interval}. */
  public static Watchable of(KeyValueStore store, Duration interval) {
    return store.watcher().orElseGet(() -> new PollingWatch(store, interval));
  }

  @Override
  public WatchOutcome awaitChange(String prefix, long sinceRevision, Duration timeout)
      throws DcsException, InterruptedException {
    Snapshot first = store.read(prefix);
    if (sinceRevision != 0 && first.revision() != 0 && first.revision() > sinceRevision) {
      return WatchOutcome.CHANGED;
    }
    List<KeyValue> baseline = first.entries();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return WatchOutcome.TIMED_OUT;
      }
      Thread.sleep(Math.max(1, Math.min(interval.toMillis(), left / 1_000_000)));
      if (!store.read(prefix).entries().equals(baseline)) {
        return WatchOutcome.CHANGED;
      }
    }
  }
}
