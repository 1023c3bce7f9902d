package dev.primus.dcs.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.primus.dcs.spi.ConnectionState;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConnectionTrackerTest {
  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong now = new AtomicLong(100 * SECOND);
  private final ConnectionTracker tracker = new ConnectionTracker(Duration.ofSeconds(30), now::get);

  @Test
  void connectedUntilARequestFindsNoAgent() {
    assertEquals(ConnectionState.CONNECTED, tracker.state(), "before any request");
    tracker.answered();
    assertEquals(ConnectionState.CONNECTED, tracker.state());
  }

  @Test
  void suspendedThenLostOnceFailuresLastTheTtl() {
    tracker.answered();
    long started = tracker.now();
    now.addAndGet(2 * SECOND);
    tracker.unreachable(started);
    assertEquals(ConnectionState.SUSPENDED, tracker.state());

    now.addAndGet(27 * SECOND);
    assertEquals(ConnectionState.SUSPENDED, tracker.state(), "29 s of failures, ttl 30 s");
    now.addAndGet(SECOND);
    assertEquals(ConnectionState.LOST, tracker.state(), "30 s since the failing request started");
  }

  @Test
  void theStreakStartsNoEarlierThanTheLastAnswer() {
    long slowStart = tracker.now();
    now.addAndGet(20 * SECOND);
    tracker.answered(); // another request got an answer meanwhile
    now.addAndGet(SECOND);
    tracker.unreachable(slowStart);

    now.addAndGet(20 * SECOND);
    assertEquals(ConnectionState.SUSPENDED, tracker.state(), "21 s since the last answer, not 41 s");
  }

  @Test
  void reconnectedForOneTtlAfterRecoveryThenConnected() {
    tracker.unreachable(tracker.now());
    now.addAndGet(40 * SECOND);
    assertEquals(ConnectionState.LOST, tracker.state());

    tracker.answered();
    assertEquals(ConnectionState.RECONNECTED, tracker.state());
    now.addAndGet(29 * SECOND);
    assertEquals(ConnectionState.RECONNECTED, tracker.state());
    now.addAndGet(SECOND);
    assertEquals(ConnectionState.CONNECTED, tracker.state());
  }
}
