package dev.primus.dcs.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The connection-state rules the etcd and Consul backends share, on a hand-driven clock (ttl 10 s).
 * Merged from the two backends' former copies of these tests.
 */
class ConnectionTrackerTest {
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final ConnectionTracker tracker = new ConnectionTracker(Duration.ofSeconds(10), clock::get);

  private void advance(Duration d) {
    clock.addAndGet(d.toNanos());
  }

  @Test
  void startsConnectedAndAnswersKeepItSo() {
    assertEquals(ConnectionState.CONNECTED, tracker.state(), "before any request");
    tracker.answered();
    advance(Duration.ofMinutes(5));
    assertEquals(ConnectionState.CONNECTED, tracker.state());
  }

  @Test
  void aFailedRequestSuspendsAndLostFollowsTheTtlAfterItsStartWithoutFurtherRequests() {
    tracker.answered();
    long started = tracker.now();
    advance(Duration.ofSeconds(2)); // the request's deadline
    tracker.unreachable(started);
    assertEquals(ConnectionState.SUSPENDED, tracker.state());
    advance(Duration.ofMillis(7_999));
    assertEquals(ConnectionState.SUSPENDED, tracker.state(), "9.999 s since the failing request started");
    advance(Duration.ofMillis(1));
    assertEquals(ConnectionState.LOST, tracker.state(), "10 s since the failing request started, ttl 10 s");
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
  void anEarlierStartedFailureReportedLaterMovesTheStreakStartBack() {
    long first = tracker.now();
    advance(Duration.ofSeconds(1));
    long second = tracker.now();
    advance(Duration.ofSeconds(2));
    tracker.unreachable(second); // the later request failed first (a shorter deadline)
    advance(Duration.ofSeconds(1));
    tracker.unreachable(first);
    advance(Duration.ofSeconds(6));
    assertEquals(ConnectionState.LOST, tracker.state(), "10 s since the first unanswered request started");
  }

  @Test
  void aSlowFailureIsNotDatedBeforeTheLastAnswer() {
    long slowStarted = tracker.now();
    advance(Duration.ofSeconds(5));
    tracker.answered(); // another request got through meanwhile
    advance(Duration.ofSeconds(1));
    tracker.unreachable(slowStarted);
    advance(Duration.ofSeconds(5));
    assertEquals(ConnectionState.SUSPENDED, tracker.state(), "6 s since the last answer, not 11 s since the start");
    advance(Duration.ofSeconds(4));
    assertEquals(ConnectionState.LOST, tracker.state());
  }

  @Test
  void theFirstAnswerAfterLostIsReconnectedForOneTtlWhateverAnswersFollow() {
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
  void anAnswerWhileSuspendedIsAReconnectionToo() {
    tracker.unreachable(tracker.now());
    advance(Duration.ofSeconds(3));
    assertEquals(ConnectionState.SUSPENDED, tracker.state());
    tracker.answered();
    assertEquals(ConnectionState.RECONNECTED, tracker.state(), "as Curator: SUSPENDED, then RECONNECTED");
    assertTrue(tracker.state().isConnected());
  }

  @Test
  void aNewStreakAfterRecoveryCountsFromItsOwnStart() {
    tracker.unreachable(tracker.now());
    advance(Duration.ofSeconds(8));
    tracker.answered();
    advance(Duration.ofSeconds(1));
    tracker.unreachable(tracker.now());
    advance(Duration.ofSeconds(9));
    assertEquals(ConnectionState.SUSPENDED, tracker.state(), "the first streak's 8 s are not carried over");
    advance(Duration.ofSeconds(1));
    assertEquals(ConnectionState.LOST, tracker.state());
  }

  @Test
  void aTtlThatIsNotPositiveIsRefusedByName() {
    IllegalArgumentException zero =
        assertThrows(IllegalArgumentException.class, () -> new ConnectionTracker(Duration.ZERO));
    assertTrue(zero.getMessage().startsWith("ttl must be positive"), zero.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new ConnectionTracker(Duration.ofSeconds(-1)));
    NullPointerException none = assertThrows(NullPointerException.class, () -> new ConnectionTracker(null));
    assertEquals("ttl", none.getMessage());
  }
}
