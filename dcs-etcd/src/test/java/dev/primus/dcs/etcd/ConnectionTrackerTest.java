package dev.primus.dcs.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.primus.dcs.spi.ConnectionState;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The connection-state rules, on a hand-driven clock. */
class ConnectionTrackerTest {
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final ConnectionTracker tracker = new ConnectionTracker(Duration.ofSeconds(10), clock::get);

  private void advance(Duration d) {
    clock.addAndGet(d.toNanos());
  }

  @Test
  void startsConnectedAndAnswersKeepItSo() {
    assertEquals(ConnectionState.CONNECTED, tracker.state());
    tracker.answered();
    advance(Duration.ofMinutes(5));
    assertEquals(ConnectionState.CONNECTED, tracker.state());
  }

  @Test
  void aFailedRequestSuspendsAndLostFollowsAfterTheTtlFromItsStart() {
    long started = tracker.now();
    advance(Duration.ofSeconds(2)); // the request's deadline
    tracker.unreachable(started);
    assertEquals(ConnectionState.SUSPENDED, tracker.state());
    advance(Duration.ofMillis(7_999));
    assertEquals(ConnectionState.SUSPENDED, tracker.state(), "9.999 s since the failing request started");
    advance(Duration.ofMillis(1));
    assertEquals(ConnectionState.LOST, tracker.state(), "LOST without any further request");
  }

  @Test
  void theFirstAnswerAfterAnOutageIsReconnectedForOneTtl() {
    tracker.unreachable(tracker.now());
    advance(Duration.ofSeconds(30));
    assertEquals(ConnectionState.LOST, tracker.state());
    tracker.answered();
    assertEquals(ConnectionState.RECONNECTED, tracker.state());
    advance(Duration.ofSeconds(9));
    tracker.answered();
    assertEquals(ConnectionState.RECONNECTED, tracker.state(), "later answers do not hide the reconnection");
    advance(Duration.ofSeconds(1));
    assertEquals(ConnectionState.CONNECTED, tracker.state());
  }

  @Test
  void moreFailuresDoNotPostponeLost() {
    tracker.unreachable(tracker.now());
    advance(Duration.ofSeconds(6));
    tracker.unreachable(tracker.now());
    advance(Duration.ofSeconds(4));
    assertEquals(ConnectionState.LOST, tracker.state());
  }

  @Test
  void aSlowFailureIsNotDatedBeforeTheLastAnswer() {
    long slowStarted = tracker.now();
    advance(Duration.ofSeconds(5));
    tracker.answered(); // another request got through meanwhile
    advance(Duration.ofSeconds(1));
    tracker.unreachable(slowStarted);
    advance(Duration.ofSeconds(5));
    assertEquals(ConnectionState.SUSPENDED, tracker.state(), "6 s of failure, not 11 s");
    advance(Duration.ofSeconds(4));
    assertEquals(ConnectionState.LOST, tracker.state());
  }
}
