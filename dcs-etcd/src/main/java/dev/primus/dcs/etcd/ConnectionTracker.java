package dev.primus.dcs.etcd;

import dev.primus.dcs.spi.ConnectionState;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Derives the {@link ConnectionState} from what the client sees: outcomes of requests and watch
 * streams. gRPC hides its channel behind jetcd, so every answer and every failure to get one is the
 * signal.
 *
 * <ul>
 *   <li>{@link ConnectionState#CONNECTED} until a request fails to reach etcd;
 *   <li>{@link ConnectionState#SUSPENDED} from the start of the first such failed request;
 *   <li>{@link ConnectionState#LOST} once that streak has lasted the lease TTL, because by then the
 *       server has expired our lease;
 *   <li>{@link ConnectionState#RECONNECTED} on the first answer after, for one TTL, so a loop that runs
 *       at least once per TTL sees it at least once; then {@link ConnectionState#CONNECTED} again.
 * </ul>
 *
 * <p>Time comes from an injected nanosecond clock, so the transitions are tested without sleeping.
 */
final class ConnectionTracker {
  private final LongSupplier nanoTime;
  private final long ttlNanos;

  private boolean failing;
  private long failingSince;
  private boolean reconnected;
  private long reconnectedAt;
  private boolean everAnswered;
  private long lastAnswer;

  ConnectionTracker(Duration ttl, LongSupplier nanoTime) {
    this.ttlNanos = ttl.toNanos();
    this.nanoTime = nanoTime;
  }

  /** Reads the clock this tracker uses, to timestamp the start of a request. */
  long now() {
    return nanoTime.getAsLong();
  }

  /** etcd answered (any answer, even a refusal of the request itself). */
  synchronized void answered() {
    long now = nanoTime.getAsLong();
    everAnswered = true;
    lastAnswer = now;
    if (failing) {
      failing = false;
      reconnected = true;
      reconnectedAt = now;
    }
  }

  /**
   * A request started at {@code startedAt} (from {@link #now()}) got no usable answer. The streak is
   * dated from that start, since etcd was already out of reach then, but never before the last answer
   * (a slow request that began before it says nothing about the time in between).
   */
  synchronized void unreachable(long startedAt) {
    long since = everAnswered && lastAnswer - startedAt > 0 ? lastAnswer : startedAt;
    if (!failing) {
      failing = true;
      failingSince = since;
    } else if (since - failingSince < 0) {
      failingSince = since;
    }
  }

  synchronized ConnectionState state() {
    long now = nanoTime.getAsLong();
    if (failing) {
      return now - failingSince >= ttlNanos ? ConnectionState.LOST : ConnectionState.SUSPENDED;
    }
    if (reconnected && now - reconnectedAt < ttlNanos) {
      return ConnectionState.RECONNECTED;
    }
    return ConnectionState.CONNECTED;
  }
}
