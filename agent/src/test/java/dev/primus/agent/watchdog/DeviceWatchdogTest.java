package dev.primus.agent.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.agent.Watchdog.Mode;
import dev.primus.agent.WatchdogException;
import dev.primus.agent.WatchdogException.DeviceFailure;
import dev.primus.agent.WatchdogException.NotArmed;
import dev.primus.agent.WatchdogException.TimeoutNotSet;
import dev.primus.agent.WatchdogException.TimeoutTooShort;
import dev.primus.agent.WatchdogException.UnsafeTiming;
import dev.primus.ha.Timings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * Patroni's rules for arming a watchdog, on a device whose driver the test scripts: the timeout set to
 * {@code ttl - safety_margin} and read back, what a driver that rounds it up means in each mode, a ttl or
 * {@code safety_margin} change while armed, and the device always closed after a failure {@code required}
 * reports.
 */
class DeviceWatchdogTest {
  static final Path DEVICE = Path.of("/dev/watchdog");
  static final Timings TTL_30 = timings(30, 10, 10);
  static final Timings TTL_20 = timings(20, 10, 5);

  final FakeWatchdogDevice.Driver driver = new FakeWatchdogDevice.Driver();

  static Timings timings(int ttl, int loopWait, int retryTimeout) {
    return new Timings(Duration.ofSeconds(ttl), Duration.ofSeconds(loopWait), Duration.ofSeconds(retryTimeout));
  }

  WatchdogSettings settings(Mode mode, int safetyMargin) {
    return new WatchdogSettings(mode, DEVICE, SafetyMargin.of(safetyMargin), driver);
  }

  DeviceWatchdog watchdog(Mode mode) {
    return new DeviceWatchdog(settings(mode, 5));
  }

  FakeWatchdogDevice device() {
    return driver.last();
  }

  @Test
  void armingSetsTtlMinusSafetyMarginAndReadsItBack() throws Exception {
    DeviceWatchdog w = watchdog(Mode.REQUIRED);
    w.activate(TTL_30);

    assertEquals(List.of("open", "support", "setTimeout 25", "timeout"), device().calls);
    assertTrue(w.active());
    assertEquals(OptionalInt.of(25), w.armedTimeout());
    assertEquals(Optional.empty(), w.lastProblem());
  }

  @Test
  void safetyMarginMinusOneArmsWithHalfTheTtl() throws Exception {
    DeviceWatchdog w = new DeviceWatchdog(settings(Mode.REQUIRED, -1));
    w.activate(timings(31, 10, 10));

    assertTrue(device().calls.contains("setTimeout 15"), device().calls.toString());
    assertEquals(OptionalInt.of(15), w.armedTimeout());
  }

  @Test
  void aDriverRoundingBelowTheWantedTimeoutIsSafe() throws Exception {
    driver.script = d -> d.rounding = s -> s / 8 * 8;
    DeviceWatchdog w = watchdog(Mode.REQUIRED);
    w.activate(TTL_30);

    assertEquals(OptionalInt.of(24), w.armedTimeout());
    assertTrue(w.active());
  }

  @Test
  void aDriverRoundingAboveTheWantedTimeoutIsAFailureInRequiredModeAndTheDeviceIsClosed() {
    driver.script = d -> d.rounding = s -> (s + 7) / 8 * 8;
    DeviceWatchdog w = watchdog(Mode.REQUIRED);

    TimeoutNotSet e = assertThrows(TimeoutNotSet.class, () -> w.activate(TTL_30));
    assertEquals(25, e.wanted());
    assertEquals(OptionalInt.of(32), e.actual());
    assertFalse(w.active(), "a device left open without keepalives would reset the node");
    assertEquals(1, device().magicCloses);
    assertEquals(Optional.of(e), w.lastProblem());
  }

  @Test
  void aDriverRoundingAboveTheWantedTimeoutIsAWarningInAutomaticModeAndStaysArmed() throws Exception {
    driver.script = d -> d.rounding = s -> (s + 7) / 8 * 8;
    DeviceWatchdog w = watchdog(Mode.AUTOMATIC);
    w.activate(TTL_30);

    assertTrue(w.active(), "automatic keeps a watchdog that resets late rather than none");
    assertEquals(OptionalInt.of(32), w.armedTimeout());
    assertInstanceOf(TimeoutNotSet.class, w.lastProblem().orElseThrow());
    w.keepalive(TTL_30);
    assertEquals("keepalive", device().calls.get(device().calls.size() - 1), "no new attempt at every keepalive");
  }

  @Test
  void aDeviceThatCannotSetTheTimeoutIsJudgedByTheTimeoutItHas() throws Exception {
    driver.script = d -> {
      d.canSetTimeout = false;
      d.timeout = 60;
    };
    assertThrows(TimeoutNotSet.class, () -> watchdog(Mode.REQUIRED).activate(TTL_30));
    assertEquals(List.of("open", "support", "timeout", "close"), device().calls);

    driver.script = d -> {
      d.canSetTimeout = false;
      d.timeout = 20;
    };
    DeviceWatchdog preset = watchdog(Mode.REQUIRED);
    preset.activate(TTL_30);
    assertEquals(OptionalInt.of(20), preset.armedTimeout(), "a timeout the operator set short enough is accepted");
  }

  @Test
  void aTimeoutTheDeviceCannotTellIsRefusedInRequiredModeAndToleratedInAutomatic() throws Exception {
    driver.script = d -> {
      d.canSetTimeout = false;
      d.canReadTimeout = false;
    };
    TimeoutNotSet e = assertThrows(TimeoutNotSet.class, () -> watchdog(Mode.REQUIRED).activate(TTL_30));
    assertEquals(OptionalInt.empty(), e.actual());

    DeviceWatchdog automatic = watchdog(Mode.AUTOMATIC);
    automatic.activate(TTL_30);
    assertTrue(automatic.active());
    assertEquals(OptionalInt.empty(), automatic.armedTimeout());
  }

  @Test
  void aTimeoutShorterThanLoopWaitClosesTheDevice() {
    driver.script = d -> {
      d.canSetTimeout = false;
      d.timeout = 5;
    };
    assertThrows(TimeoutTooShort.class, () -> watchdog(Mode.REQUIRED).activate(TTL_30));
    assertFalse(device().isOpen());
  }

  @Test
  void aTimeoutShorterThanLoopWaitIsKeptWhenTheDeviceCannotBeDisarmedAnyway() throws Exception {
    driver.script = d -> {
      d.canSetTimeout = false;
      d.magicClose = false;
      d.timeout = 5;
    };
    DeviceWatchdog w = watchdog(Mode.REQUIRED);
    w.activate(TTL_30);
    assertTrue(w.active());
  }

  @Test
  void timingsLeavingNoRoomForALoopAreRefusedWithoutOpeningTheDevice() {
    // ttl 12 - safety_margin 5 = 7 s, shorter than loop_wait 8 s: no device could be both safe and petted in time.
    Timings tight = timings(12, 8, 2);
    assertThrows(UnsafeTiming.class, () -> watchdog(Mode.REQUIRED).activate(tight));
    assertEquals(List.of(), device().calls);
  }

  @Test
  void aDeviceThatCannotBeOpenedFailsRequiredAndIsGoneWithoutInAutomatic() throws Exception {
    driver.script = d -> d.failing = Optional.of("open");
    assertThrows(DeviceFailure.class, () -> watchdog(Mode.REQUIRED).activate(TTL_30));

    DeviceWatchdog automatic = watchdog(Mode.AUTOMATIC);
    automatic.activate(TTL_30);
    automatic.keepalive(TTL_30);
    assertFalse(automatic.active());
    assertEquals(List.of("open"), device().calls, "automatic goes on without a device: nothing to pet");
    assertInstanceOf(DeviceFailure.class, automatic.lastProblem().orElseThrow());
  }

  @Test
  void aFailingIoctlClosesTheDevice() {
    driver.script = d -> d.failing = Optional.of("setTimeout");
    assertThrows(DeviceFailure.class, () -> watchdog(Mode.REQUIRED).activate(TTL_30));
    assertFalse(device().isOpen());
    assertEquals(1, device().magicCloses);
  }

  @Test
  void aTtlChangeSetsTheNewTimeoutAtTheNextKeepalive() throws Exception {
    DeviceWatchdog w = watchdog(Mode.REQUIRED);
    w.activate(TTL_30);
    device().calls.clear();

    w.keepalive(TTL_30);
    assertEquals(List.of("keepalive"), device().calls);
    device().calls.clear();

    w.keepalive(TTL_20);
    assertEquals(List.of("keepalive", "support", "setTimeout 15", "timeout"), device().calls);
    assertEquals(OptionalInt.of(15), w.armedTimeout());
    device().calls.clear();

    w.keepalive(TTL_20);
    assertEquals(List.of("keepalive"), device().calls);
  }

  @Test
  void aTtlChangeTheDriverCannotFollowFailsTheKeepaliveInRequiredModeAndTheNextArming() throws Exception {
    driver.script = d -> d.rounding = s -> Math.max(s, 20);
    DeviceWatchdog w = watchdog(Mode.REQUIRED);
    w.activate(TTL_30);
    assertEquals(OptionalInt.of(25), w.armedTimeout());

    TimeoutNotSet e = assertThrows(TimeoutNotSet.class, () -> w.keepalive(TTL_20));
    assertEquals(15, e.wanted());
    assertFalse(w.active());
    assertThrows(TimeoutNotSet.class, () -> w.activate(TTL_20), "the engine's next arming fails too: the lock goes");
    assertFalse(w.active());
  }

  @Test
  void aTtlChangeTheDriverCannotFollowIsAWarningInAutomaticMode() throws Exception {
    driver.script = d -> d.rounding = s -> Math.max(s, 20);
    DeviceWatchdog w = watchdog(Mode.AUTOMATIC);
    w.activate(TTL_30);
    w.keepalive(TTL_20);

    assertTrue(w.active());
    assertEquals(OptionalInt.of(20), w.armedTimeout());
    assertInstanceOf(TimeoutNotSet.class, w.lastProblem().orElseThrow());
  }

  @Test
  void aReloadedSafetyMarginChangesTheTimeoutAtTheNextKeepalive() throws Exception {
    DeviceWatchdog w = watchdog(Mode.REQUIRED);
    w.activate(TTL_30);
    w.reconfigure(settings(Mode.REQUIRED, 10));
    device().calls.clear();

    w.keepalive(TTL_30);
    assertEquals(List.of("keepalive", "support", "setTimeout 20", "timeout"), device().calls);
  }

  @Test
  void keepaliveWithoutAnArmedDeviceFailsInRequiredMode() throws Exception {
    DeviceWatchdog w = watchdog(Mode.REQUIRED);
    assertThrows(NotArmed.class, () -> w.keepalive(TTL_30));

    driver.script = d -> d.failing = Optional.of("keepalive");
    DeviceWatchdog failing = watchdog(Mode.REQUIRED);
    failing.activate(TTL_30);
    assertThrows(DeviceFailure.class, () -> failing.keepalive(TTL_30));
    assertFalse(failing.active(), "closed after the failed keepalive");
    assertThrows(NotArmed.class, () -> failing.keepalive(TTL_30));
  }

  @Test
  void disableIsAMagicClose() throws Exception {
    DeviceWatchdog w = watchdog(Mode.REQUIRED);
    w.activate(TTL_30);
    w.disable();
    w.disable();

    assertEquals(1, device().magicCloses);
    assertFalse(w.active());
    assertEquals(OptionalInt.empty(), w.armedTimeout());
  }

  @Test
  void aDeviceWithoutMagicCloseGetsALastKeepaliveBeforeItIsClosed() throws Exception {
    driver.script = d -> d.magicClose = false;
    DeviceWatchdog w = watchdog(Mode.REQUIRED);
    w.activate(TTL_30);
    device().calls.clear();
    w.disable();

    assertEquals(List.of("support", "keepalive", "close"), device().calls);
  }

  @Test
  void offNeverTouchesTheDevice() throws Exception {
    DeviceWatchdog w = watchdog(Mode.OFF);
    w.activate(TTL_30);
    w.keepalive(TTL_20);
    w.disable();

    assertEquals(List.of(), driver.made, "off never even makes the device (the default driver would load native code)");
    assertEquals("watchdog off", w.describe());
  }

  @Test
  void turningItOffDisarmsAtOnceAndTurningItOnArmsAtTheNextKeepalive() throws Exception {
    DeviceWatchdog w = watchdog(Mode.REQUIRED);
    w.activate(TTL_30);
    w.reconfigure(settings(Mode.OFF, 5));
    assertFalse(w.active());
    assertEquals(1, device().magicCloses);
    w.keepalive(TTL_30);
    assertFalse(w.active(), "off: keepalives do nothing");

    w.reconfigure(settings(Mode.AUTOMATIC, 5));
    w.keepalive(TTL_30);
    assertTrue(w.active(), "the engine still wants it armed: the first keepalive after the reload arms it");
    assertEquals(OptionalInt.of(25), w.armedTimeout());
  }

  @Test
  void aNewDeviceIsSwappedInAtTheNextKeepalive() throws Exception {
    DeviceWatchdog w = watchdog(Mode.REQUIRED);
    w.activate(TTL_30);
    FakeWatchdogDevice old = device();
    w.reconfigure(new WatchdogSettings(Mode.REQUIRED, Path.of("/dev/watchdog1"), SafetyMargin.DEFAULT, driver));
    assertTrue(old.isOpen(), "swapped with the next keepalive, so the timeout always matches the last lock update");

    w.keepalive(TTL_30);
    assertEquals(1, old.magicCloses);
    assertEquals(Path.of("/dev/watchdog1"), device().path);
    assertEquals(List.of("open", "support", "setTimeout 25", "timeout"), device().calls);
  }

  @Test
  void aModeChangeWhileArmedChecksTheTimeoutAgain() throws Exception {
    driver.script = d -> d.rounding = s -> s + 1;
    DeviceWatchdog w = watchdog(Mode.AUTOMATIC);
    w.activate(TTL_30);
    assertTrue(w.active());

    w.reconfigure(settings(Mode.REQUIRED, 5));
    WatchdogException e = assertThrows(TimeoutNotSet.class, () -> w.keepalive(TTL_30));
    assertEquals(OptionalInt.of(26), ((TimeoutNotSet) e).actual());
    assertFalse(w.active());
  }
}
