package dev.primus.dcs.model;

import java.util.Locale;

/** The {@code role} field of a member key. */
public enum MemberRole {
  PRIMARY("primary"),
  REPLICA("replica"),
  STANDBY_LEADER("standby_leader"),
  DEMOTED("demoted"),
  UNINITIALIZED("uninitialized"),
  /** A role string this version does not know; kept so a newer writer's data still reads. */
  UNKNOWN("unknown");

  private final String wire;

  MemberRole(String wire) {
    this.wire = wire;
  }

  /** The JSON value Patroni writes. */
  public String wire() {
    return wire;
  }

  /** Parses a role, accepting Patroni's legacy {@code master} for {@link #PRIMARY}. */
  public static MemberRole fromWire(String s) {
    if (s == null) {
      return UNKNOWN;
    }
    String v = s.toLowerCase(Locale.ROOT);
    if (v.equals("master")) {
      return PRIMARY;
    }
    for (MemberRole r : values()) {
      if (r.wire.equals(v)) {
        return r;
      }
    }
    return UNKNOWN;
  }
}
