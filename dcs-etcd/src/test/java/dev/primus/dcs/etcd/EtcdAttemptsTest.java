package dev.primus.dcs.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.WriteResult;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The per-attempt deadline and the reconciling of a redone conditional write (issue 11). */
class EtcdAttemptsTest {

  @Test
  void anAttemptIsAThirdOfTheRetryTimeoutAndAtLeastTwoFit() {
    assertEquals(Duration.ofSeconds(1), EtcdKeyValueStore.attemptTimeout(Duration.ofSeconds(3)));
    assertEquals(Duration.ofMillis(3333), EtcdKeyValueStore.attemptTimeout(Duration.ofSeconds(10)));
    // Short retry timeouts: half of it (up to 500 ms), so two attempts still fit.
    assertEquals(Duration.ofMillis(500), EtcdKeyValueStore.attemptTimeout(Duration.ofMillis(1200)));
    assertEquals(Duration.ofMillis(300), EtcdKeyValueStore.attemptTimeout(Duration.ofMillis(600)));
    assertEquals(Duration.ofMillis(1), EtcdKeyValueStore.attemptTimeout(Duration.ofNanos(1)));
  }

  @Test
  void aRedoThatFindsItsOwnValueAndLeaseReportsWritten() {
    Lease lease = new Lease("42", Duration.ofSeconds(10));
    WriteResult conflict = new WriteResult.Conflict(Optional.of(new KeyValue("/k", "me", 7, Optional.of("42"))));
    assertEquals(new WriteResult.Written(7), EtcdKeyValueStore.reconciled(conflict, true, "me", Optional.of(lease)));
  }

  @Test
  void otherConflictsStayConflicts() {
    Lease lease = new Lease("42", Duration.ofSeconds(10));
    WriteResult mine = new WriteResult.Conflict(Optional.of(new KeyValue("/k", "me", 7, Optional.of("42"))));
    // No attempt was lost: the conflict is genuine (someone wrote the same value before).
    assertEquals(mine, EtcdKeyValueStore.reconciled(mine, false, "me", Optional.of(lease)));
    WriteResult otherValue = new WriteResult.Conflict(Optional.of(new KeyValue("/k", "you", 7, Optional.of("42"))));
    assertEquals(otherValue, EtcdKeyValueStore.reconciled(otherValue, true, "me", Optional.of(lease)));
    WriteResult otherLease = new WriteResult.Conflict(Optional.of(new KeyValue("/k", "me", 7, Optional.of("43"))));
    assertEquals(otherLease, EtcdKeyValueStore.reconciled(otherLease, true, "me", Optional.of(lease)));
    WriteResult unleased = new WriteResult.Conflict(Optional.of(new KeyValue("/k", "me", 7, Optional.empty())));
    assertEquals(unleased, EtcdKeyValueStore.reconciled(unleased, true, "me", Optional.of(lease)));
    WriteResult absent = new WriteResult.Conflict(Optional.empty());
    assertEquals(absent, EtcdKeyValueStore.reconciled(absent, true, "me", Optional.empty()));
  }
}
