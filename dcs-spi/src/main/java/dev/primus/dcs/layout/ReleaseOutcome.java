package dev.primus.dcs.layout;

/** How {@link PatroniDcs#releaseLeaderLock()} ended. It never deletes another member's lock. */
public enum ReleaseOutcome {
  /** The leader key held this member's name and is deleted. */
  RELEASED,
  /** The leader key names another member; it was left alone. */
  HELD_BY_OTHER,
  /** There was no leader key. */
  ABSENT
}
