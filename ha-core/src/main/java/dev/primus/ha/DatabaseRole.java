package dev.primus.ha;

/** The role a database runs in, or is to be started in. */
public enum DatabaseRole {
  /** Accepts writes. */
  PRIMARY,
  /** In recovery: streaming or replaying WAL, read-only. */
  REPLICA
}
