package dev.primus.dcs.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

final class ManualClockTest {
  private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

  @Test
  void standsStillUntilAdvanced() {
    ManualClock clock = new ManualClock(T0);
    assertEquals(T0, clock.instant());
    assertEquals(T0, clock.instant(), "reading the clock does not move it");
    assertEquals(T0.plusMillis(1500), clock.advance(Duration.ofMillis(1500)));
    assertEquals(T0.plusMillis(1500), clock.instant());
    assertEquals(T0.toEpochMilli() + 1500, clock.millis());
  }

  @Test
  void setJumpsEitherWayButAdvanceRefusesToGoBack() {
    ManualClock clock = new ManualClock(T0);
    clock.set(T0.minusSeconds(60));
    assertEquals(T0.minusSeconds(60), clock.instant());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> clock.advance(Duration.ofSeconds(-1)));
    assertEquals(T0.minusSeconds(60), clock.instant(), "a refused advance leaves the clock alone: " + e.getMessage());
  }

  @Test
  void aZonedViewSharesTheInstant() {
    ManualClock clock = new ManualClock(T0);
    Clock paris = clock.withZone(ZoneId.of("Europe/Paris"));
    assertEquals(ZoneId.of("Europe/Paris"), paris.getZone());
    clock.advance(Duration.ofHours(1));
    assertEquals(T0.plusSeconds(3600), paris.instant(), "advancing the original advances the view");
  }

  @Test
  void theDefaultOriginIsFixed() {
    assertEquals(T0, new ManualClock().instant());
  }
}
