package dev.primus.dcs.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Derives a store's {@link ConnectionState} from the outcomes of its requests, for a backend whose
 * client has no connection state to report: a request/response protocol (Consul's HTTP API), or a
 * client that hides its channel (jetcd over gRPC). A backend whose client library already tracks its
 * session, as Curator does for ZooKeeper, should map that state instead.
 *
 * <h2>What it tracks</h2>
 * Two kinds of event, reported by the backend around every request it sends (watches included):
 * <ul>
 *   <li>{@link #answered()}: the server answered. Any answer counts, a refusal too (a CAS conflict, a
 *       missing permission, an HTTP 4xx): the server is there and is serving.</li>
 *   <li>{@link #unreachable(long)}: the request got no usable answer (connection refused, deadline
 *       passed, "no leader" / "no cluster leader"), dated from when the request started.</li>
 * </ul>
 * From those and the clock it derives, on each {@link #state()}:
 * <ul>
 *   <li>{@link ConnectionState#CONNECTED} until a request goes unanswered;</li>
 *   <li>{@link ConnectionState#SUSPENDED} from the start of the first unanswered request of a
 *       streak;</li>
 *   <li>{@link ConnectionState#LOST} once that streak has lasted {@code ttl}, even if no request is
 *       made meanwhile: by then the server has expired the lease, so the engine must presume it gone.
 *       More failures do not postpone it;</li>
 *   <li>{@link ConnectionState#RECONNECTED} from the first answer after a streak (whether it had
 *       reached LOST or not), for one {@code ttl} whatever answers follow, so an HA loop that runs at
 *       least once per ttl sees the reconnection at least once; then {@link ConnectionState#CONNECTED}
 *       again.</li>
 * </ul>
 * A streak never starts before the last answer: a slow request that began earlier and failed later
 * says nothing about the time in between, during which another request was answered.
 *
 * <h2>How a backend uses it</h2>
 * <pre>{@code
 * long started = tracker.now();
 * try {
 *   Response r = send(request, deadline);
 *   tracker.answered();                     // also when r is a refusal
 *   return map(r);
 * } catch (ConnectException | TimeoutException e) {
 *   tracker.unreachable(started);
 *   throw new DcsException(Kind.UNAVAILABLE, ...);
 * }
 * // connectionState() and every Snapshot report tracker.state()
 * }</pre>
 * Pass the same {@code ttl} the store's leases get (Primus's cluster ttl), so LOST means what the SPI
 * says it means: the lease must be presumed expired.
 *
 * <h2>Time and threads</h2>
 * Time comes from a monotonic nanosecond clock ({@link System#nanoTime()} unless one is injected, so a
 * test drives every transition by hand without sleeping); only differences of its readings are used.
 * Thread-safe: requests, watches and {@link #state()} may run on any threads at once; every method
 * takes the tracker's own lock briefly and never blocks otherwise.
 */
public final class ConnectionTracker {
  private final LongSupplier nanoTime;
  private final long ttlNanos;

  private boolean failing;
  /** Start of the current streak of unanswered requests; meaningful while {@code failing}. */
  private long failingSince;
  private boolean reconnected;
  private long reconnectedAt;
  private boolean everAnswered;
  private long lastAnswer;

  /**
   * A tracker on {@link System#nanoTime()}.
   *
   * @param ttl how long a streak of unanswered requests lasts before the state is LOST, and how long
   *            RECONNECTED is reported after it; the store's lease ttl
   * @throws IllegalArgumentException if {@code ttl} is not positive
   */
  public ConnectionTracker(Duration ttl) {
    this(ttl, System::nanoTime);
  }

  /**
   * A tracker on an injected clock.
   *
   * @param ttl      as in {@link #ConnectionTracker(Duration)}
   * @param nanoTime a monotonic clock in nanoseconds, as {@link System#nanoTime()}
   * @throws IllegalArgumentException if {@code ttl} is not positive
   */
  public ConnectionTracker(Duration ttl, LongSupplier nanoTime) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, got " + ttl);
    }
    this.ttlNanos = ttl.toNanos();
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /** The tracker's clock, to date the start of a request for {@link #unreachable(long)}. */
  public long now() {
    return nanoTime.getAsLong();
  }

  /** The server answered a request (any answer, a refusal too). Ends a streak of failures. */
  public synchronized void answered() {
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
   * A request started at {@code startedAt} (a reading of {@link #now()}) got no usable answer. The
   * streak is dated from that start, since the server was already out of reach then, but never before
   * the last answer; a failure that started earlier than the current streak moves its start back.
   */
  public synchronized void unreachable(long startedAt) {
    long since = everAnswered && lastAnswer - startedAt > 0 ? lastAnswer : startedAt;
    if (!failing) {
      failing = true;
      failingSince = since;
    } else if (since - failingSince < 0) {
      failingSince = since;
    }
  }

  /** The state now, as defined above. Reads the clock, so LOST arrives without further requests. */
  public synchronized ConnectionState state() {
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
