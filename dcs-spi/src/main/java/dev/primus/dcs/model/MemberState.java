package dev.primus.dcs.model;

/** The {@code state} field of a member key: the database as its agent last saw it. */
public enum MemberState {
  RUNNING("running"),
  STARTING("starting"),
  STOPPING("stopping"),
  STOPPED("stopped"),
  RESTARTING("restarting"),
  CRASHED("crashed"),
  START_FAILED("start failed"),
  RESTART_FAILED("restart failed"),
  CREATING_REPLICA("creating replica"),
  INITIALIZING("initializing new cluster"),
  BOOTSTRAP_FAILED("initdb failed"),
  RUNNING_CUSTOM_BOOTSTRAP("running custom bootstrap script"),
  CUSTOM_BOOTSTRAP_FAILED("custom bootstrap failed"),
  REWINDING("rewinding"),
  /** A state string this version does not know. */
  UNKNOWN("unknown");

  private final String wire;

  MemberState(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static MemberState fromWire(String s) {
    if (s == null) {
      return UNKNOWN;
    }
    for (MemberState st : values()) {
      if (st.wire.equals(s)) {
        return st;
      }
    }
    return UNKNOWN;
  }
}
