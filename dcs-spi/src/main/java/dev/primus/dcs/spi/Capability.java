package dev.primus.dcs.spi;

/**
 * Optional capabilities a store declares in {@link KeyValueStore#capabilities()}: properties of the
 * store itself, never of a test harness around it. The contract kit runs the checks for a capability
 * only when it is declared and reports the others as skipped, by name.
 */
public enum Capability {
  /** {@link KeyValueStore#watcher()} returns a native watch (otherwise Primus polls). */
  WATCH
}
