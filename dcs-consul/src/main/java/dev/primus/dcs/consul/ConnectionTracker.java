package dev.primus.dcs.consul;

import dev.primus.dcs.spi.ConnectionState;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The {@link ConnectionState} of a Consul client, derived from the outcomes of its HTTP requests:
 * Consul's API is stateless request/response, so there is no connection to observe, only answers and
 * failures to get one.
 *
 * <ul>
 *   <li>{@link ConnectionState#CONNECTED} while requests get answers (any HTTP answer counts, a 403
 *       too: the agent is there);
 *   <li>{@link ConnectionState#SUSPENDED} from the start of the first request that found no usable
 *       agent (refused, timed out, or "No cluster leader");
 *   <li>{@link ConnectionState#LOST} once such failures have lasted {@code ttl}: by then Consul has
 *       had the time to invalidate our session;
 *   <li>{@link ConnectionState#RECONNECTED} from the first answer after that, for one {@code ttl}, so a
 *       loop that runs at least once per ttl sees it; then {@link ConnectionState#CONNECTED}.
 * </ul>
 *
 * <p>Time is an injected nanosecond clock, so tests drive the transitions without sleeping.
 */
final class ConnectionTracker {
  private final long ttlNanos;
  private final LongSupplier nanoTime;

  private boolean failing;
  private long failingSince;
  private boolean answeredOnce;
  private long lastAnswerAt;
  private boolean recovered;
  private long recoveredAt;

  ConnectionTracker(Duration ttl, LongSupplier nanoTime) {
    this.ttlNanos = ttl.toNanos();
    this.nanoTime = nanoTime;
  }

  /** The clock's reading, to date the start of a request. */
  long now() {
    return nanoTime.getAsLong();
  }

  /** The agent answered a request. */
  synchronized void answered() {
    long now = nanoTime.getAsLong();
    answeredOnce = true;
    lastAnswerAt = now;
    if (failing) {
      failing = false;
      recovered = true;
      recoveredAt = now;
    }
  }

  /**
   * A request started at {@code startedAt} found no usable agent. The failure streak is dated from
   * that start, but not before the last answer: a slow request that began earlier says nothing about
   * the time in between.
   */
  synchronized void unreachable(long startedAt) {
    long since = answeredOnce && lastAnswerAt - startedAt > 0 ? lastAnswerAt : startedAt;
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
    if (recovered && now - recoveredAt < ttlNanos) {
      return ConnectionState.RECONNECTED;
    }
    return ConnectionState.CONNECTED;
  }
}
