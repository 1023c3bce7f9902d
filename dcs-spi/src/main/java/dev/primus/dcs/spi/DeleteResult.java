package dev.primus.dcs.spi;

/** The outcome of a conditional delete. */
public enum DeleteResult {
  /** The key existed, the condition held, and it is gone. */
  DELETED,
  /** The key exists but its version or value did not match; nothing was changed. */
  CONFLICT,
  /** There was no such key. */
  ABSENT
}
