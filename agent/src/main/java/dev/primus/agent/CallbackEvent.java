package dev.primus.agent;

/** The events Patroni runs {@code postgresql.callbacks} on; {@link #wire()} is the script's first argument. */
enum CallbackEvent {
  ON_START("on_start"),
  ON_STOP("on_stop"),
  ON_RESTART("on_restart"),
  ON_RELOAD("on_reload"),
  ON_ROLE_CHANGE("on_role_change");

  private final String wire;

  CallbackEvent(String wire) {
    this.wire = wire;
  }

  /** The key under {@code postgresql.callbacks} and the first argument of the script. */
  String wire() {
    return wire;
  }
}
