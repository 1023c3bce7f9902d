package dev.primus.db.postgres;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code pg_controldata} says about a data directory (run with {@code LC_ALL=C}, so the labels are
 * the English ones parsed here).
 *
 * @param fields every {@code label: value} line as printed
 */
record ControlData(Map<String, String> fields) {
  static final String SYSTEM_IDENTIFIER = "Database system identifier";
  static final String STATE = "Database cluster state";
  static final String CHECKPOINT = "Latest checkpoint location";
  static final String REDO = "Latest checkpoint's REDO location";
  static final String TIMELINE = "Latest checkpoint's TimeLineID";
  static final String MIN_RECOVERY_END = "Minimum recovery ending location";
  static final String MIN_RECOVERY_TIMELINE = "Min recovery ending loc's timeline";
  static final String WAL_LOG_HINTS = "wal_log_hints setting";
  static final String CHECKSUMS = "Data page checksum version";

  ControlData {
    fields = Map.copyOf(fields);
  }

  static ControlData parse(String output) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : output.split("\n")) {
      int colon = line.indexOf(':');
      // Labels never contain ": " but some values (dates) contain ':' — split at the first one.
      if (colon > 0) {
        fields.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    return new ControlData(fields);
  }

  Optional<String> field(String label) {
    return Optional.ofNullable(fields.get(label)).filter(v -> !v.isEmpty());
  }

  Optional<String> systemIdentifier() {
    return field(SYSTEM_IDENTIFIER);
  }

  String state() {
    return field(STATE).orElse("");
  }

  /** The last stop wrote a shutdown checkpoint: no crash recovery is needed. */
  boolean cleanShutdown() {
    String s = state();
    return s.equals("shut down") || s.equals("shut down in recovery");
  }

  /** The instance was, or was stopped as, a standby. */
  boolean inRecovery() {
    String s = state();
    return s.equals("shut down in recovery") || s.equals("in archive recovery");
  }

  Optional<Long> checkpointLsn() {
    return lsn(CHECKPOINT);
  }

  Optional<Long> minRecoveryEndLsn() {
    return lsn(MIN_RECOVERY_END);
  }

  /** The timeline the data is on: the minimum recovery point's when a standby set one, else the checkpoint's. */
  Optional<Long> timeline() {
    Optional<Long> min = number(MIN_RECOVERY_TIMELINE).filter(t -> t > 0);
    return min.isPresent() ? min : number(TIMELINE);
  }

  boolean walLogHints() {
    return "on".equals(fields.get(WAL_LOG_HINTS));
  }

  boolean dataChecksums() {
    return number(CHECKSUMS).map(v -> v > 0).orElse(false);
  }

  private Optional<Long> lsn(String label) {
    try {
      return field(label).map(Lsn::parse);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private Optional<Long> number(String label) {
    try {
      return field(label).map(Long::parseLong);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return "ControlData[state=" + state() + ", sysid=" + systemIdentifier().orElse("?") + "]";
  }
}
