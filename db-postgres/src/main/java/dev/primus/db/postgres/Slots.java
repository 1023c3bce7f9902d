package dev.primus.db.postgres;

import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Replication slots: one physical slot per member (named from the member name as Patroni names it,
 * so mixed clusters agree) and the permanent slots of the dynamic configuration.
 */
final class Slots {
  /** PostgreSQL's NAMEDATALEN - 1. */
  static final int MAX_NAME = 63;

  private final Sql sql;

  Slots(Sql sql) {
    this.sql = Objects.requireNonNull(sql, "sql");
  }

  /**
   * A member name as a slot name: lower case; dashes and dots (common in host names) become
   * underscores; any other character outside {@code [a-z0-9_]} becomes {@code u} and its four-digit
   * hex code point; at most 63 characters. Applying it twice changes nothing.
   */
  static String slotName(String member) {
    StringBuilder out = new StringBuilder();
    member.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
      if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
        out.append((char) c);
      } else if (c == '-' || c == '.') {
        out.append('_');
      } else {
        out.append(String.format(Locale.ROOT, "u%04x", c));
      }
    });
    return out.length() > MAX_NAME ? out.substring(0, MAX_NAME) : out.toString();
  }

  /**
   * A wanted slot.
   *
   * @param name     the slot name
   * @param logical  logical (needs database and plugin) or physical
   * @param database the database of a logical slot
   * @param plugin   the output plugin of a logical slot
   * @param advanceTo an LSN to move the slot forward to (a replica keeping the primary's positions)
   */
  record Wanted(String name, boolean logical, Optional<String> database, Optional<String> plugin, Optional<Long> advanceTo) {
    Wanted {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(database, "database");
      Objects.requireNonNull(plugin, "plugin");
      Objects.requireNonNull(advanceTo, "advanceTo");
    }
  }

  /** A slot as {@code pg_replication_slots} shows it. */
  record Existing(String name, boolean logical, String database, String plugin, boolean active, long restartLsn) {}

  /** Turns the SPI's arguments into wanted slots; a permanent definition with errors is {@code INVALID_CONFIG}. */
  static Map<String, Wanted> wanted(Set<String> memberSlots, Map<String, Object> permanentSlots) throws DriverException {
    Map<String, Wanted> wanted = new LinkedHashMap<>();
    for (String member : new TreeSet<>(memberSlots)) {
      String name = slotName(member);
      wanted.put(name, new Wanted(name, false, Optional.empty(), Optional.empty(), Optional.empty()));
    }
    for (Map.Entry<String, Object> e : new java.util.TreeMap<>(permanentSlots).entrySet()) {
      String name = e.getKey();
      String key = "slots." + name;
      if (!name.matches("[a-z0-9_]{1,63}")) {
        throw new DriverException(Kind.INVALID_CONFIG, key + ": a slot name may hold only a-z, 0-9 and _ (at most 63)");
      }
      Keys def = new Keys(e.getValue() == null ? Map.of() : Keys.asMap(e.getValue(), key), key);
      String type = def.string("type").orElse(def.has("plugin") || def.has("database") ? "logical" : "physical");
      Optional<Long> advance = Optional.empty();
      Object lsn = def.raw("lsn");
      if (lsn instanceof Number n) {
        advance = Optional.of(n.longValue());
      } else if (lsn != null) {
        try {
          advance = Optional.of(Lsn.parse(lsn.toString()));
        } catch (IllegalArgumentException ex) {
          throw new DriverException(Kind.INVALID_CONFIG, key + ".lsn: " + ex.getMessage());
        }
      }
      switch (type) {
        case "physical" -> wanted.put(name, new Wanted(name, false, Optional.empty(), Optional.empty(), advance));
        case "logical" -> wanted.put(name, new Wanted(name, true,
            Optional.of(def.string("database").orElseThrow(() -> new DriverException(Kind.INVALID_CONFIG, key + ".database is required for a logical slot"))),
            Optional.of(def.string("plugin").orElseThrow(() -> new DriverException(Kind.INVALID_CONFIG, key + ".plugin is required for a logical slot"))),
            advance));
        default -> throw new DriverException(Kind.INVALID_CONFIG, key + ".type must be physical or logical, got '" + type + "'");
      }
    }
    return wanted;
  }

  List<Existing> list(Connection c) throws SQLException {
    List<Existing> out = new ArrayList<>();
    try (PreparedStatement st = c.prepareStatement(
        "SELECT slot_name, slot_type, coalesce(database, ''), coalesce(plugin, ''), active,"
            + " coalesce(pg_catalog.pg_wal_lsn_diff(restart_lsn, '0/0')::bigint, 0)"
            + " FROM pg_catalog.pg_replication_slots ORDER BY slot_name");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        out.add(new Existing(rs.getString(1), "logical".equals(rs.getString(2)), rs.getString(3), rs.getString(4),
            rs.getBoolean(5), rs.getLong(6)));
      }
    }
    return out;
  }

  /**
   * Makes the slots match {@code wanted}: drops physical slots nobody wants (the driver owns physical
   * slots), drops and recreates logical slots whose plugin or database changed, creates missing ones,
   * advances where asked. Unwanted logical slots that the configuration never named are left alone:
   * they may belong to a consumer outside Primus, and dropping one loses its position for good.
   * Logical slots are only created on a primary (PostgreSQL before 16 cannot decode on a standby).
   */
  void ensure(Map<String, Wanted> wanted, Set<String> everDeclaredLogical) throws DriverException {
    try (Connection c = sql.connect("postgres")) {
      boolean inRecovery = Sql.queryBoolean(c, "SELECT pg_catalog.pg_is_in_recovery()");
      Map<String, Existing> existing = new LinkedHashMap<>();
      for (Existing e : list(c)) {
        existing.put(e.name(), e);
      }
      List<String> problems = new ArrayList<>();
      for (Existing e : List.copyOf(existing.values())) {
        Wanted w = wanted.get(e.name());
        boolean unwanted = w == null && (!e.logical() || everDeclaredLogical.contains(e.name()));
        boolean changed = w != null && (w.logical() != e.logical()
            || w.logical() && (!w.database().orElse("").equals(e.database()) || !w.plugin().orElse("").equals(e.plugin())));
        if (unwanted || changed) {
          if (e.active()) {
            problems.add("slot " + e.name() + " is in use and was not dropped");
            continue;
          }
          exec(c, "SELECT pg_catalog.pg_drop_replication_slot(?)", e.name());
          existing.remove(e.name());
        }
      }
      for (Wanted w : wanted.values()) {
        if (!existing.containsKey(w.name())) {
          if (w.logical()) {
            if (inRecovery) {
              continue;
            }
            try (Connection db = sql.connect(w.database().orElseThrow())) {
              exec(db, "SELECT pg_catalog.pg_create_logical_replication_slot(?, ?)", w.name(), w.plugin().orElseThrow());
            }
          } else {
            exec(c, "SELECT pg_catalog.pg_create_physical_replication_slot(?, true)", w.name());
          }
        }
        if (w.advanceTo().isPresent() && !w.logical()) {
          advance(c, w.name(), w.advanceTo().get(), existing.get(w.name()));
        }
      }
      if (!problems.isEmpty()) {
        throw new DriverException(Kind.COMMAND_FAILED, String.join("; ", problems));
      }
    } catch (SQLException e) {
      throw Sql.failure("managing replication slots", e);
    }
  }

  private static void advance(Connection c, String name, long lsn, Existing current) throws SQLException {
    if (current != null && current.restartLsn() >= lsn) {
      return;
    }
    // Never past what this server has: advancing beyond the replayed or flushed WAL is an error.
    exec(c, "SELECT pg_catalog.pg_replication_slot_advance(?, least(?::pg_lsn, CASE WHEN pg_catalog.pg_is_in_recovery()"
        + " THEN pg_catalog.pg_last_wal_replay_lsn() ELSE pg_catalog.pg_current_wal_flush_lsn() END))", name, Lsn.format(lsn));
  }

  private static void exec(Connection c, String query, String... args) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(query)) {
      for (int i = 0; i < args.length; i++) {
        st.setString(i + 1, args[i]);
      }
      st.execute();
    }
  }
}
