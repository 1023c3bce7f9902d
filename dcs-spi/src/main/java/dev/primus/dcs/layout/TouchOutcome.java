package dev.primus.dcs.layout;

/** How {@link PatroniDcs#touchMember} ended. */
public enum TouchOutcome {
  /** The member key was written (it was missing, different, or on another lease). */
  WRITTEN,
  /**
   * The member key already held exactly this value on the live lease, as last read or written; only
   * the lease was kept alive. Patroni skips the write in the same case.
   */
  UNCHANGED
}
