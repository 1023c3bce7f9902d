package dev.primus.dcs.spi;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that moves only when told to: {@link #advance(Duration)} or {@link #set(Instant)}.
 *
 * <p>The deterministic simulator hands one of these to every component (agents, the
 * {@link InMemoryDcs}), so a whole cluster shares one virtual time. Thread-safe: the instant is held in
 * an atomic reference, and {@link #withZone} returns a view of the same instant rather than a copy, so
 * advancing one advances all.
 */
public final class ManualClock extends Clock {
  private final AtomicReference<Instant> now;
  private final ZoneId zone;

  /** A clock standing at {@code start}, in UTC. */
  public ManualClock(Instant start) {
    this(new AtomicReference<>(Objects.requireNonNull(start, "start")), ZoneOffset.UTC);
  }

  /** A clock standing at 2024-01-01T00:00:00Z: a fixed, readable origin for tests and simulations. */
  public ManualClock() {
    this(Instant.parse("2024-01-01T00:00:00Z"));
  }

  private ManualClock(AtomicReference<Instant> now, ZoneId zone) {
    this.now = now;
    this.zone = Objects.requireNonNull(zone, "zone");
  }

  /**
   * Moves the clock forward by {@code amount}. Negative amounts are refused: a clock that runs backwards
   * by accident hides bugs; use {@link #set} when a jump back is really meant.
   *
   * @return the new instant
   */
  public Instant advance(Duration amount) {
    Objects.requireNonNull(amount, "amount");
    if (amount.isNegative()) {
      throw new IllegalArgumentException("a ManualClock only advances; got " + amount + " (use set() to go back)");
    }
    return now.updateAndGet(t -> t.plus(amount));
  }

  /** Puts the clock at {@code instant}, forwards or backwards. */
  public void set(Instant instant) {
    now.set(Objects.requireNonNull(instant, "instant"));
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  /** A view of the same instant in another zone: advancing either advances both. */
  @Override
  public Clock withZone(ZoneId zone) {
    return new ManualClock(now, zone);
  }

  @Override
  public String toString() {
    return "ManualClock[" + now.get() + ", " + zone + "]";
  }
}
