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

  /** A slot as {@code pg_replication_slots} shows it; {@code confirmedFlush} 0 for a physical slot or unknown. */
  record Existing(String name, boolean logical, String database, String plugin, boolean active, long restartLsn,
      long confirmedFlush) {}

  /** The slots the probe reports: {@code pg_replication_slots} without temporary ones. */
  static final String PROBE_QUERY = "SELECT slot_name, slot_type, database, plugin,"
      + " pg_catalog.pg_wal_lsn_diff(confirmed_flush_lsn, '0/0')::bigint"
      + " FROM pg_catalog.pg_replication_slots WHERE NOT temporary ORDER BY slot_name";

  /** {@link #PROBE_QUERY} as the engine sees it. */
  static List<dev.primus.ha.LocalState.ReplicationSlot> probe(Connection c) throws SQLException {
    List<dev.primus.ha.LocalState.ReplicationSlot> out = new ArrayList<>();
    try (PreparedStatement st = c.prepareStatement(PROBE_QUERY); ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        long confirmed = rs.getLong(5);
        boolean known = !rs.wasNull();
        out.add(new dev.primus.ha.LocalState.ReplicationSlot(rs.getString(1), "logical".equals(rs.getString(2)),
            Optional.ofNullable(rs.getString(3)), Optional.ofNullable(rs.getString(4)),
            known ? Optional.of(confirmed) : Optional.empty()));
      }
    }
    return out;
  }

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
            + " coalesce(pg_catalog.pg_wal_lsn_diff(restart_lsn, '0/0')::bigint, 0),"
            + " coalesce(pg_catalog.pg_wal_lsn_diff(confirmed_flush_lsn, '0/0')::bigint, 0)"
            + " FROM pg_catalog.pg_replication_slots WHERE NOT temporary ORDER BY slot_name");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        out.add(new Existing(rs.getString(1), "logical".equals(rs.getString(2)), rs.getString(3), rs.getString(4),
            rs.getBoolean(5), rs.getLong(6), rs.getLong(7)));
      }
    }
    return out;
  }

  /**
   * Makes the slots match {@code wanted}: drops physical slots nobody wants (the driver owns physical
   * slots), drops and recreates logical slots whose plugin or database changed, creates missing ones,
   * advances where asked. Unwanted logical slots that the configuration never named are left alone:
   * they may belong to a consumer outside Primus, and dropping one loses its position for good.
   * Logical slots are only created on a primary (PostgreSQL before 16 cannot decode on a standby); on a
   * replica they come from {@link #copy}. Then the logical slots of {@code advance} move forward to their
   * position ({@code pg_replication_slot_advance} in the slot's database; never backwards, never past what
   * the server has). A slot whose WAL is gone (SQLSTATE 58P01) cannot be advanced any more: it is dropped, so
   * that it is copied again, as Patroni does.
   */
  void ensure(Map<String, Wanted> wanted, Set<String> everDeclaredLogical, Map<String, Long> advance)
      throws DriverException {
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
      for (Map.Entry<String, Long> a : new java.util.TreeMap<>(advance).entrySet()) {
        Wanted w = wanted.get(a.getKey());
        Existing e = existing.get(a.getKey());
        if (w == null || !w.logical() || e == null || !e.logical() || e.confirmedFlush() >= a.getValue()) {
          continue;
        }
        try (Connection db = sql.connect(e.database())) {
          exec(db, "SELECT pg_catalog.pg_replication_slot_advance(?, least(?::pg_lsn, CASE WHEN pg_catalog.pg_is_in_recovery()"
              + " THEN pg_catalog.pg_last_wal_replay_lsn() ELSE pg_catalog.pg_current_wal_flush_lsn() END))",
              e.name(), Lsn.format(a.getValue()));
        } catch (SQLException ex) {
          if ("58P01".equals(ex.getSQLState()) && !e.active()) {
            exec(c, "SELECT pg_catalog.pg_drop_replication_slot(?)", e.name());
            problems.add("logical slot " + e.name() + " lost the WAL it needs to advance; dropped it to copy it again");
          } else {
            problems.add("advancing logical slot " + e.name() + " to " + Lsn.format(a.getValue()) + ": " + ex.getMessage());
          }
        }
      }
      if (!problems.isEmpty()) {
        throw new DriverException(Kind.COMMAND_FAILED, String.join("; ", problems));
      }
    } catch (SQLException e) {
      throw Sql.failure("managing replication slots", e);
    }
  }

  /** The query that reads logical slots' rows and on-disk state on the primary (Patroni's, in 3.0.2). */
  static final String READ_STATE_QUERY = "SELECT slot_name, slot_type, datname, plugin,"
      + " pg_catalog.pg_read_binary_file('pg_replslot/' || slot_name || '/state')"
      + " FROM pg_catalog.pg_get_replication_slots() JOIN pg_catalog.pg_database ON datoid = oid"
      + " WHERE NOT pg_catalog.pg_is_in_recovery() AND slot_name = ANY(?)";

  /**
   * Reads on the primary (through {@code primary}) the on-disk state of the logical slots of {@code slots}
   * that it has as defined. A slot it lacks, or has with another type, database or plugin, is left out and
   * named in {@code skipped}.
   */
  static Map<String, byte[]> readStates(Connection primary, Map<String, Wanted> slots, List<String> skipped)
      throws SQLException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (PreparedStatement st = primary.prepareStatement(READ_STATE_QUERY)) {
      st.setArray(1, primary.createArrayOf("text", slots.keySet().toArray()));
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          Wanted w = slots.get(rs.getString(1));
          boolean same = w != null && w.logical() && "logical".equals(rs.getString(2))
              && w.database().orElse("").equals(rs.getString(3)) && w.plugin().orElse("").equals(rs.getString(4));
          if (same) {
            out.put(w.name(), rs.getBytes(5));
          } else if (w != null) {
            skipped.add(w.name() + " (on the primary: " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4) + ")");
          }
        }
      }
    }
    for (String name : slots.keySet()) {
      if (!out.containsKey(name) && skipped.stream().noneMatch(x -> x.startsWith(name + " "))) {
        skipped.add(name + " (not on the primary)");
      }
    }
    return out;
  }

  /**
   * Puts each slot's state into {@code pg_replslot/<name>/state} of the stopped server's data directory as
   * PostgreSQL itself saves a slot: written into {@code <name>.tmp} (which the server ignores and removes), the
   * file and the directory fsynced, renamed into place over any older copy, and {@code pg_replslot} fsynced.
   * Everything is owned by the server's OS user, mode 0700/0600.
   */
  static void install(java.nio.file.Path dataDir, Map<String, byte[]> states, RunAs runAs) throws DriverException {
    java.nio.file.Path replslot = dataDir.resolve("pg_replslot");
    try {
      for (Map.Entry<String, byte[]> e : states.entrySet()) {
        java.nio.file.Path dir = replslot.resolve(e.getKey());
        java.nio.file.Path tmp = replslot.resolve(e.getKey() + ".tmp");
        deleteTree(tmp);
        DataDirectory.createPrivate(tmp, runAs);
        java.nio.file.Path state = tmp.resolve("state");
        java.nio.file.Files.write(state, e.getValue());
        java.nio.file.Files.setPosixFilePermissions(state, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        runAs.own(state);
        fsync(state);
        fsync(tmp);
        deleteTree(dir);
        java.nio.file.Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        fsync(dir);
      }
      fsync(replslot);
    } catch (java.io.IOException ex) {
      throw new DriverException(Kind.COMMAND_FAILED, "cannot write the copied slots into " + replslot + ": " + ex, ex);
    }
  }

  private static void deleteTree(java.nio.file.Path p) throws java.io.IOException {
    if (!java.nio.file.Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.walk(p)) {
      for (java.nio.file.Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        java.nio.file.Files.delete(x);
      }
    }
  }

  private static void fsync(java.nio.file.Path p) throws java.io.IOException {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.READ)) {
      ch.force(true);
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
