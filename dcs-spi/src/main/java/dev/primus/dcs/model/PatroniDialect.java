package dev.primus.dcs.model;

import java.util.Optional;

/**
 * Which Patroni a member speaks as: the release it claims in its member key's {@code version} decides the
 * words it writes, so that a reader never sees a mix no Patroni ever wrote. Patroni 3.x calls the primary
 * {@code master} (member key, REST {@code role}, callback arguments); Patroni 4 calls it {@code primary}.
 * Readers accept both ({@link MemberRole#fromWire}).
 */
public enum PatroniDialect {
  /** Patroni 3.0.2, the release Primus's compatibility is checked against: the default. */
  V3("3.0.2"),
  /** Patroni 4.0: {@code primary} everywhere. */
  V4("4.0.0");

  private final String version;

  PatroniDialect(String version) {
    this.version = version;
  }

  /** The Patroni version claimed in the member key, {@code GET /patroni} and the metrics. */
  public String version() {
    return version;
  }

  /** The word for {@code role} in this dialect: {@code master} for the primary in 3.x. */
  public String roleName(MemberRole role) {
    return this == V3 && role == MemberRole.PRIMARY ? "master" : role.wire();
  }

  /**
   * The dialect of a claimed version: 3.x and older speak {@link #V3}; 4 and later, or a version that does
   * not start with a number (none claimed), {@link #V4}.
   */
  public static PatroniDialect ofVersion(Optional<String> version) {
    return version.map(PatroniDialect::major).map(m -> m < 4 ? V3 : V4).orElse(V4);
  }

  private static Integer major(String v) {
    int i = 0;
    while (i < v.length() && Character.isDigit(v.charAt(i))) {
      i++;
    }
    return i == 0 ? null : Integer.parseInt(v.substring(0, Math.min(i, 9)));
  }

  /**
   * The dialect {@code primus.patroni_version} names: {@code 3}, {@code 3.0}, {@code 3.0.2} or {@code 4},
   * {@code 4.0}...; empty for anything else.
   */
  public static Optional<PatroniDialect> named(String setting) {
    String s = setting.trim();
    if (s.equals("3") || s.startsWith("3.")) {
      return Optional.of(V3);
    }
    if (s.equals("4") || s.startsWith("4.")) {
      return Optional.of(V4);
    }
    return Optional.empty();
  }
}
