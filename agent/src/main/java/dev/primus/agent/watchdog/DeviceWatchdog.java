package dev.primus.agent.watchdog;

import dev.primus.agent.Watchdog;
import dev.primus.agent.WatchdogException;
import dev.primus.agent.WatchdogException.DeviceFailure;
import dev.primus.agent.WatchdogException.NotArmed;
import dev.primus.agent.WatchdogException.TimeoutNotSet;
import dev.primus.agent.WatchdogException.TimeoutTooShort;
import dev.primus.agent.WatchdogException.UnsafeTiming;
import dev.primus.ha.Timings;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link WatchdogDevice} run by Patroni's rules ({@code patroni/watchdog/base.py}, class {@code Watchdog}):
 * the engine says when to arm, pet and disarm; this class decides how, and whether the result is safe enough
 * for the configured {@link Mode}.
 *
 * <p>Arming: the wanted timeout is {@code ttl - safety_margin} ({@link WatchdogTimeout}). If it is shorter than
 * {@code loop_wait} no device could be safe, and it is not opened. Otherwise the device is opened, given the
 * timeout if it supports setting one, and asked for it back, since a driver may round it:
 * <ul>
 *   <li>at most the wanted timeout, and at least {@code loop_wait}: armed;
 *   <li>longer than wanted, or unknown (the device cannot tell): {@code required} refuses (the device is
 *       closed and {@link TimeoutNotSet} thrown, so the engine gives the lock up); {@code automatic} keeps it
 *       armed with a warning, as Patroni does: it still resets a frozen node, only later than it should;
 *   <li>shorter than {@code loop_wait}: a healthy agent could not pet it in time, so it is closed again
 *       ({@link TimeoutTooShort}) unless the device cannot be disarmed at all.
 * </ul>
 * Any failure that {@code required} reports leaves the device closed: the engine then records the watchdog as
 * not armed, and a device left open without keepalives would reset the node. In {@code automatic} mode a
 * device that cannot be armed means going on without one, with one warning (no new attempt until the engine
 * disarms and arms again, or the configuration changes).
 *
 * <p>Keepalive: pets the device, then, if the timings now call for another timeout ({@code ttl},
 * {@code loop_wait} or {@code safety_margin} changed), arms it again with the new one, by the same rules.
 * {@code required} fails a keepalive when no device is armed ({@link NotArmed}), so the engine arms it again.
 *
 * <p>{@link #reconfigure} takes a reloaded {@code watchdog} section: {@code mode: off} disarms at once; another
 * mode, device or driver takes effect at the next keepalive (the device swapped, then armed anew), or at once
 * when nothing is armed.
 *
 * <p>Thread-safe: the agent's lane arms and pets it, a reload reconfigures it from another thread. Device calls
 * happen under the lock; opening a named pipe with no reader (the testing driver) blocks until one opens it.
 */
public final class DeviceWatchdog implements Watchdog {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceWatchdog.class);

  private WatchdogSettings settings;
  /** Made when first needed, so that a watchdog that stays off never touches its driver. */
  private WatchdogDevice device;
  /** The settings {@link #device} was made for. */
  private WatchdogSettings deviceSettings;
  /** The engine wants it armed: activated, and not disabled since. */
  private boolean engaged;
  /** The mode or the device changed while engaged: the next keepalive arms anew. */
  private boolean rearm;
  /** What the open device was armed for; null while no device is open. */
  private WatchdogTimeout armedFor;
  /** The timeout the open device reported; empty when unknown or not open. */
  private OptionalInt armedTimeout = OptionalInt.empty();
  private Optional<WatchdogException> lastProblem = Optional.empty();
  /** The last warning logged, so that a retry failing the same way does not repeat it. */
  private String lastWarning;

  public DeviceWatchdog(WatchdogSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  // ================================================================= the engine's calls

  @Override
  public synchronized void activate(Timings timings) throws WatchdogException {
    engaged = true;
    rearm = false;
    if (settings.mode() == Mode.OFF) {
      return;
    }
    arm(WatchdogTimeout.of(settings.safetyMargin(), timings));
  }

  @Override
  public synchronized void keepalive(Timings timings) throws WatchdogException {
    if (settings.mode() == Mode.OFF) {
      return;
    }
    WatchdogTimeout wanted = WatchdogTimeout.of(settings.safetyMargin(), timings);
    if (rearm) {
      rearm = false;
      if (armed() && settings.sameDevice(deviceSettings)) {
        pet();
      }
      arm(wanted);
      return;
    }
    if (!armed()) {
      if (settings.mode() == Mode.REQUIRED) {
        NotArmed e = new NotArmed(device().describe());
        lastProblem = Optional.of(e);
        throw e;
      }
      // automatic, going on without a device after a failed activation.
      return;
    }
    try {
      pet();
    } catch (DeviceFailure e) {
      disarmQuietly();
      handle(e);
      return;
    }
    if (!wanted.equals(armedFor)) {
      LOG.info("watchdog timings changed (ttl {} s, loop_wait {} s): setting the timeout to {} s (was {} s)",
          wanted.ttl().toSeconds(), wanted.loopWait().toSeconds(), wanted.seconds(),
          armedFor == null ? "?" : String.valueOf(armedFor.seconds()));
      arm(wanted);
    }
  }

  @Override
  public synchronized void disable() throws WatchdogException {
    engaged = false;
    rearm = false;
    if (!armed()) {
      return;
    }
    try {
      WatchdogSupport support = device.support();
      if (!support.canBeDisarmed()) {
        // It keeps counting after the close: a last keepalive gives the operator a full timeout to react.
        device.keepalive();
        LOG.warn("{} cannot be disarmed: it resets this node in {} s", device.describe(),
            armedTimeout.isPresent() ? String.valueOf(armedTimeout.getAsInt()) : "?");
      }
    } catch (DeviceFailure e) {
      LOG.warn("{}: {}", device.describe(), e.getMessage());
    }
    try {
      device.close();
    } finally {
      armedFor = null;
      armedTimeout = OptionalInt.empty();
    }
    LOG.info("{} disarmed", device.describe());
  }

  @Override
  public synchronized boolean active() {
    return armed();
  }

  @Override
  public synchronized String describe() {
    if (settings.mode() == Mode.OFF) {
      return "watchdog off";
    }
    return "watchdog " + device().describe() + " (" + settings.mode().name().toLowerCase(Locale.ROOT)
        + ", driver " + settings.driver().name() + ")";
  }

  // ================================================================= configuration and state

  /**
   * {@code required} refuses at once a device that could never be armed ({@link WatchdogDevice#unusable()}:
   * missing, not writable, its timeout beyond reach), without opening it, since opening arms it. Patroni exits
   * at start when a required watchdog is not supported at all; the runner stops the member with this reason.
   * Other modes: nothing to check, automatic finds out when it arms.
   *
   * @throws DeviceFailure why the device cannot be used, naming it
   */
  public synchronized void checkUsableIfRequired() throws DeviceFailure {
    if (settings.mode() != Mode.REQUIRED) {
      return;
    }
    WatchdogDevice d = device();
    Optional<String> why = d.unusable();
    if (why.isPresent()) {
      DeviceFailure e = new DeviceFailure(d.describe() + " cannot be used: " + why.get());
      lastProblem = Optional.of(e);
      throw e;
    }
  }

  /**
   * Takes a reloaded {@code watchdog} section: {@code off} disarms at once; a new mode, device or driver is
   * used from the next keepalive, or at once when nothing is armed. A new {@code safety_margin} changes the
   * timeout at the next keepalive.
   */
  public synchronized void reconfigure(WatchdogSettings next) {
    Objects.requireNonNull(next, "next");
    WatchdogSettings previous = settings;
    settings = next;
    if (next.mode() == Mode.OFF) {
      rearm = false;
      if (armed()) {
        LOG.info("watchdog turned off: disarming {}", device.describe());
        disarmQuietly();
      }
      return;
    }
    if (engaged && (previous.mode() != next.mode() || !previous.sameDevice(next))) {
      rearm = true;
    }
  }

  /** The settings in force. */
  @Override
  public synchronized boolean resetsFrozenNode() {
    return settings.mode() != Mode.OFF;
  }

  public synchronized WatchdogSettings settings() {
    return settings;
  }

  /** The timeout the armed device reported, in seconds; empty when none is armed or it cannot tell. */
  public synchronized OptionalInt armedTimeout() {
    return armedTimeout;
  }

  /**
   * The last problem met: reported (a failure in {@code required} mode) or tolerated (in {@code automatic}
   * mode: armed with an unsafe timeout, or going on without a device). Empty after a clean arming.
   */
  public synchronized Optional<WatchdogException> lastProblem() {
    return lastProblem;
  }

  // ================================================================= arming

  /** Arms for {@code wanted}; what a failure means follows the mode: {@code required} throws, {@code automatic} warns. */
  private void arm(WatchdogTimeout wanted) throws WatchdogException {
    try {
      configure(wanted);
    } catch (WatchdogException e) {
      handle(e);
    }
  }

  private void handle(WatchdogException e) throws WatchdogException {
    lastProblem = Optional.of(e);
    if (settings.mode() == Mode.REQUIRED) {
      LOG.error("watchdog required, but not usable: {}; this member must not lead", e.getMessage());
      throw e;
    }
    warn("watchdog (automatic) not used: " + e.getMessage() + "; going on without one");
  }

  /**
   * Opens the device if it is not, sets the timeout and reads it back. Whenever it throws, the device is
   * closed (unless it cannot be disarmed, which closing would not change).
   */
  private void configure(WatchdogTimeout wanted) throws WatchdogException {
    useDeviceOfSettings();
    if (!wanted.leavesRoomForALoop()) {
      disarmQuietly();
      throw new UnsafeTiming(wanted.seconds(), wanted.ttl(), wanted.loopWait());
    }
    boolean opening = !device.isOpen();
    if (opening) {
      device.open();
    }
    WatchdogSupport support;
    OptionalInt actual;
    try {
      support = device.support();
      if (support.canSetTimeout()) {
        device.setTimeout(wanted.seconds());
      }
      actual = device.timeout();
    } catch (DeviceFailure e) {
      disarmQuietly();
      throw e;
    }
    if (actual.isPresent() && actual.getAsInt() < wanted.loopWait().toSeconds()) {
      TimeoutTooShort tooShort = new TimeoutTooShort(device.describe(), actual.getAsInt(), wanted.loopWait());
      if (support.canBeDisarmed()) {
        disarmQuietly();
        throw tooShort;
      }
      LOG.error("{}; it cannot be disarmed either, so it may reset this node while the agent is healthy",
          tooShort.getMessage());
    }
    Optional<WatchdogException> tolerated = Optional.empty();
    if (actual.isEmpty() || actual.getAsInt() > wanted.seconds()) {
      TimeoutNotSet unsafe = new TimeoutNotSet(device.describe(), wanted.seconds(), actual);
      if (settings.mode() == Mode.REQUIRED) {
        disarmQuietly();
        throw unsafe;
      }
      warn("watchdog (automatic): " + unsafe.getMessage() + "; it may reset a frozen node only after another"
          + " member took the lock");
      tolerated = Optional.of(unsafe);
    } else {
      lastWarning = null;
    }
    if (!support.canBeDisarmed()) {
      warn(device.describe() + " cannot be disarmed: once armed it resets this node whenever the agent stops"
          + " petting it, also after giving the lock up");
    }
    armedFor = wanted;
    armedTimeout = actual;
    lastProblem = tolerated;
    LOG.info("{} {} with a timeout of {} s, {} s to spare after loop_wait", device.describe(),
        opening ? "armed" : "re-armed", actual.isPresent() ? String.valueOf(actual.getAsInt()) : "unknown",
        wanted.slack().toSeconds());
  }

  private void pet() throws DeviceFailure {
    device.keepalive();
  }

  /** Makes {@link #device} the one the settings name, closing the old one if it differs. */
  private void useDeviceOfSettings() {
    if (device != null && settings.sameDevice(deviceSettings)) {
      return;
    }
    disarmQuietly();
    device = settings.driver().device(settings.device());
    deviceSettings = settings;
  }

  /** Whether a device is open. */
  private boolean armed() {
    return device != null && device.isOpen();
  }

  /** The device the settings name (made now if need be). */
  private WatchdogDevice device() {
    useDeviceOfSettings();
    return device;
  }

  private void disarmQuietly() {
    if (device == null) {
      return;
    }
    try {
      device.close();
    } catch (DeviceFailure e) {
      LOG.warn("could not disarm {} cleanly: {}", device.describe(), e.getMessage());
    } finally {
      armedFor = null;
      armedTimeout = OptionalInt.empty();
    }
  }

  private void warn(String message) {
    if (!message.equals(lastWarning)) {
      lastWarning = message;
      LOG.warn("{}", message);
    }
  }
}
