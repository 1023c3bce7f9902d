package dev.primus.ha;

import java.util.Optional;

/**
 * The watchdog action that goes right after a successful lock update in a leading decision (the executor
 * stops before it if the update fails, which is the point: a leader that cannot renew stops petting, and
 * a frozen agent gets its node reset before the lease can expire elsewhere). Nothing while paused; the
 * disarming side is in {@link Plan}.
 */
final class Watchdog {
  private Watchdog() {}

  static Optional<Action> afterLockUpdate(Cycle c) {
    if (c.paused()) {
      return Optional.empty();
    }
    return Optional.of(c.memory.watchdogActive() ? new Action.KeepaliveWatchdog() : new Action.ActivateWatchdog());
  }
}
