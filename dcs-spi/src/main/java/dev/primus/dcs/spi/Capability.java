package dev.primus.dcs.spi;

/**
 * Optional capabilities a store declares in {@link KeyValueStore#capabilities()}. The contract kit runs
 * the checks for a capability only when it is declared and reports the others as skipped, by name.
 */
public enum Capability {
  /** {@link KeyValueStore#watcher()} returns a native watch (otherwise Primus polls). */
  WATCH,
  /**
   * The test harness can make the store unreachable and reachable again (stop and restart the
   * server), so the kit can check that the loss is reported in the connection state.
   */
  OUTAGE_SIMULATION
}
