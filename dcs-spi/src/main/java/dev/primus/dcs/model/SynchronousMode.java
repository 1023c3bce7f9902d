package dev.primus.dcs.model;

/** The {@code synchronous_mode} dynamic setting. */
public enum SynchronousMode {
  OFF,
  ON,
  QUORUM;

  /**
   * Parses Patroni's forms: booleans, {@code "on"}/{@code "off"} (and the other {@code parse_bool}
   * spellings, including 1/0), {@code "quorum"}. Null is OFF.
   */
  public static SynchronousMode fromJson(Object v) {
    if (v == null || Boolean.FALSE.equals(v)) {
      return OFF;
    }
    if (Boolean.TRUE.equals(v)) {
      return ON;
    }
    if ((v instanceof Integer || v instanceof Long) && (((Number) v).longValue() == 0 || ((Number) v).longValue() == 1)) {
      return ((Number) v).longValue() == 1 ? ON : OFF;
    }
    if (v instanceof String s) {
      switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "quorum": return QUORUM;
        case "on": case "true": case "yes": case "1": return ON;
        case "off": case "false": case "no": case "0": case "": return OFF;
        default: break;
      }
    }
    throw new IllegalArgumentException("synchronous_mode: expected on, off or quorum, got '" + v + "'");
  }
}
