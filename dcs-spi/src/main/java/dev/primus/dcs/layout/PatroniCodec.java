package dev.primus.dcs.layout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.InvalidValue;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.model.SynchronousMode;
import dev.primus.dcs.model.TimelineHistory;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Snapshot;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Patroni's values for every key of the layout (see {@link ClusterPath}), encoded and decoded in one
 * place so every DCS backend stores identical text.
 *
 * <p><b>Decoding never throws.</b> A value that is not JSON, has the wrong shape or a field of the
 * wrong type decodes to {@link Decoded.Invalid} carrying an {@link InvalidValue} with the key, the raw
 * text, a reason naming the field, and the key's version (so a writer can still replace it by CAS).
 * {@link #decode(Snapshot, ClusterPath)} decodes a whole prefix read into a {@link ClusterView}; one
 * bad key never hides the others. What counts as valid follows Patroni 3.0.2 and 4.x readers:
 * legacy forms are accepted, {@code master} reads as primary, numbers may be numeric strings.
 *
 * <p><b>Encoding is deterministic.</b> Modelled fields are written in a fixed order and every free-form
 * map ({@code extra}, tags, the dynamic config) with its keys sorted, so equal values give equal
 * bytes. Output is compact JSON with non-ASCII escaped, as Python's {@code json.dumps} writes it.
 * Optional fields are omitted when empty. Roles are written in Patroni 4 spelling ({@code primary}).
 * Encoding throws {@link IllegalArgumentException} only for values a caller built by hand that JSON
 * cannot hold (a non-JSON object inside {@code extra} or a config map, an invalid member name).
 *
 * <p>Wire formats, by key:
 * <ul>
 *   <li>{@code members/<name>}: JSON object ({@link MemberStatus}), or the legacy
 *       {@code postgres://user:pass@host:port/db?application_name=<api_url>};
 *   <li>{@code leader}: plain member name; {@code initialize}: plain system identifier or {@code ""};
 *   <li>{@code config}: JSON object ({@link DynamicConfig});
 *   <li>{@code failover}: {@code {"leader":..,"member":<candidate>,"scheduled_at":<ISO-8601>}},
 *       {@code {}} when cleared, or the legacy {@code leader:candidate};
 *   <li>{@code sync}: {@code {"leader":..,"quorum":n,"sync_standby":"a,b"|null}};
 *   <li>{@code status}: {@code {"optime":lsn,"slots":{..},"retain_slots":[..]}} or a bare integer;
 *       {@code optime/leader}: plain integer;
 *   <li>{@code history}: {@code [[timeline, lsn, "reason", "timestamp", "new leader"], ..]};
 *   <li>{@code failsafe}: {@code {"<member>":"<api_url>", ..}}.
 * </ul>
 */
public final class PatroniCodec {

  private static final Pattern SYSTEM_ID = Pattern.compile("[0-9]+");
  /** A number with a time unit, as Patroni's {@code parse_int(value, 's')} reads it ({@code "30min"}). */
  private static final Pattern DURATION = Pattern.compile("-?[0-9]+(\\.[0-9]+)?\\s*(us|ms|s|min|h|d)");

  /** Config keys the typed accessors of {@link DynamicConfig} read as integers. */
  private static final List<String> CONFIG_INTEGERS = List.of("ttl", "loop_wait", "retry_timeout",
      "maximum_lag_on_failover", "primary_start_timeout", "master_start_timeout", "primary_stop_timeout",
      "master_stop_timeout", "synchronous_node_count", "maximum_lag_on_syncnode");
  /** Config keys the typed accessors read as booleans. */
  private static final List<String> CONFIG_BOOLEANS = List.of("pause", "synchronous_mode_strict",
      "check_timeline", "failsafe_mode");
  /** Keys under {@code postgresql} the typed accessors read as booleans. */
  private static final List<String> CONFIG_PG_BOOLEANS = List.of("use_pg_rewind", "use_slots");
  /** Config keys the typed accessors read as objects. */
  private static final List<String> CONFIG_OBJECTS = List.of("postgresql", "slots", "standby_cluster");

  private PatroniCodec() {}

  // ================================================================= members/<name>

  /** The JSON Patroni writes into {@code members/<name>}. */
  public static String encodeMember(MemberStatus status) {
    return MemberCodec.encode(status);
  }

  /** Decodes {@code members/<name>}: JSON, or the legacy {@code postgres://...?application_name=} URL. */
  public static Decoded<MemberStatus> decodeMember(String key, String raw, long version) {
    return decode(key, raw, version, MemberCodec::decode);
  }

  // ================================================================= leader, initialize

  /** The {@code leader} value: the holder's member name, as is. */
  public static String encodeLeader(String memberName) {
    return ClusterPath.checkName("leader", memberName);
  }

  /** Decodes {@code leader}; a value that cannot be a member name (empty, with {@code /}) is invalid. */
  public static Decoded<String> decodeLeader(String key, String raw, long version) {
    return decode(key, raw, version, r -> {
      if (!ClusterPath.isValidName(r)) {
        throw new BadValue("expected a member name, got " + Json.describe(r));
      }
      return r;
    });
  }

  /** The {@code initialize} value: the system identifier, or {@code ""} while bootstrap runs. */
  public static String encodeInitialize(String systemIdOrEmpty) {
    Objects.requireNonNull(systemIdOrEmpty, "systemIdOrEmpty");
    if (!systemIdOrEmpty.isEmpty() && !SYSTEM_ID.matcher(systemIdOrEmpty).matches()) {
      throw new IllegalArgumentException("initialize: expected a system identifier (decimal digits), got '"
          + systemIdOrEmpty + "'");
    }
    return systemIdOrEmpty;
  }

  /** Decodes {@code initialize}: decimal digits or {@code ""}; anything else is invalid. */
  public static Decoded<String> decodeInitialize(String key, String raw, long version) {
    return decode(key, raw, version, r -> {
      if (!r.isEmpty() && !SYSTEM_ID.matcher(r).matches()) {
        throw new BadValue("expected a system identifier (decimal digits) or an empty string, got "
            + Json.describe(r));
      }
      return r;
    });
  }

  // ================================================================= config

  /** The {@code config} JSON object, keys sorted at every level. */
  public static String encodeConfig(DynamicConfig config) {
    Objects.requireNonNull(config, "config");
    return Json.write(Json.node(config.values(), ""));
  }

  /**
   * Decodes {@code config}. The keys {@link DynamicConfig}'s accessors read are type-checked (integers,
   * which may be numeric strings; booleans, which may be on/off/true/false/yes/no/1/0; objects;
   * {@code synchronous_mode}); a wrong type makes the whole value invalid with a reason naming the
   * key. Other keys are kept as written.
   */
  public static Decoded<DynamicConfig> decodeConfig(String key, String raw, long version) {
    return decode(key, raw, version, r -> {
      Map<String, Object> o = Json.object(Json.parse(r), "");
      checkConfig(o);
      return new DynamicConfig(o);
    });
  }

  private static void checkConfig(Map<String, Object> o) throws BadValue {
    for (String k : CONFIG_INTEGERS) {
      Json.integer(o, k, "");
    }
    Object slotsTtl = o.get("member_slots_ttl");
    if (slotsTtl != null && !(slotsTtl instanceof String s && DURATION.matcher(s.strip()).matches())) {
      Json.toLong(slotsTtl, "member_slots_ttl");
    }
    for (String k : CONFIG_BOOLEANS) {
      Json.bool(o, k, "");
    }
    for (String k : CONFIG_OBJECTS) {
      if (o.get(k) != null) {
        Json.object(o.get(k), k);
      }
    }
    try {
      SynchronousMode.fromJson(o.get("synchronous_mode"));
    } catch (IllegalArgumentException e) {
      throw new BadValue("synchronous_mode: expected on, off or quorum, got " + Json.describe(o.get("synchronous_mode")));
    }
    if (o.get("postgresql") != null) {
      Map<String, Object> pg = Json.object(o.get("postgresql"), "postgresql");
      for (String k : CONFIG_PG_BOOLEANS) {
        Json.bool(pg, k, "postgresql");
      }
      if (pg.get("parameters") != null) {
        Json.object(pg.get("parameters"), "postgresql.parameters");
      }
    }
  }

  // ================================================================= failover

  /**
   * The {@code failover} JSON: {@code leader}, {@code member} (the candidate) and
   * {@code scheduled_at}, each only when set; {@link FailoverRequest#EMPTY} is {@code {}}.
   */
  public static String encodeFailover(FailoverRequest request) {
    Objects.requireNonNull(request, "request");
    ObjectNode o = Json.object();
    request.leader().ifPresent(l -> o.put("leader", l));
    request.candidate().ifPresent(c -> o.put("member", c));
    request.scheduledAt().ifPresent(t -> o.put("scheduled_at", Timestamps.format(t)));
    return Json.write(o);
  }

  /**
   * Decodes {@code failover}. {@code {}}, JSON {@code null} and an empty value are an empty request;
   * empty strings count as unset. A value that is not JSON is read as the legacy
   * {@code leader:candidate} (either part may be empty). {@code scheduled_at} must carry a UTC offset.
   */
  public static Decoded<FailoverRequest> decodeFailover(String key, String raw, long version) {
    return decode(key, raw, version, PatroniCodec::failover);
  }

  private static FailoverRequest failover(String raw) throws BadValue {
    if (raw.isBlank()) {
      return FailoverRequest.EMPTY;
    }
    Object v;
    try {
      v = Json.parse(raw);
    } catch (BadValue notJson) {
      return legacyFailover(raw, notJson);
    }
    if (v == null) {
      return FailoverRequest.EMPTY;
    }
    Map<String, Object> o = Json.object(v, "");
    Optional<String> at = Json.nonEmptyString(o, "scheduled_at", "");
    Optional<OffsetDateTime> scheduled = at.isEmpty() ? Optional.empty()
        : Optional.of(Timestamps.parse(at.get(), "scheduled_at"));
    return new FailoverRequest(Json.nonEmptyString(o, "leader", ""), Json.nonEmptyString(o, "member", ""),
        scheduled);
  }

  private static FailoverRequest legacyFailover(String raw, BadValue notJson) throws BadValue {
    String t = raw.strip();
    if (t.startsWith("{") || t.startsWith("[") || t.startsWith("\"")) {
      throw notJson;
    }
    String[] parts = t.split(":", -1);
    if (parts.length > 2) {
      throw new BadValue("neither JSON nor the legacy leader:candidate form");
    }
    Optional<String> leader = legacyName(parts[0]);
    Optional<String> candidate = parts.length > 1 ? legacyName(parts[1]) : Optional.empty();
    return new FailoverRequest(leader, candidate, Optional.empty());
  }

  private static Optional<String> legacyName(String part) throws BadValue {
    String name = part.strip();
    if (name.isEmpty()) {
      return Optional.empty();
    }
    if (!ClusterPath.isValidName(name)) {
      throw new BadValue("neither JSON nor the legacy leader:candidate form");
    }
    return Optional.of(name);
  }

  // ================================================================= sync

  /** The {@code sync} JSON: {@code leader}, {@code quorum}, {@code sync_standby} comma-joined or null. */
  public static String encodeSync(SyncState sync) {
    Objects.requireNonNull(sync, "sync");
    ObjectNode o = Json.object();
    if (sync.leader().isPresent()) {
      o.put("leader", sync.leader().get());
    } else {
      o.putNull("leader");
    }
    o.put("quorum", sync.quorum());
    if (sync.syncStandbys().isEmpty()) {
      o.putNull("sync_standby");
    } else {
      o.put("sync_standby", String.join(",", sync.syncStandbys()));
    }
    return Json.write(o);
  }

  /**
   * Decodes {@code sync}. {@code {}} and JSON {@code null} are an empty state. {@code sync_standby} is
   * split on commas; {@code quorum} counts only when a leader is set (Patroni's rule).
   */
  public static Decoded<SyncState> decodeSync(String key, String raw, long version) {
    return decode(key, raw, version, r -> {
      Object v = Json.parse(r);
      if (v == null) {
        return new SyncState(Optional.empty(), 0, List.of());
      }
      Map<String, Object> o = Json.object(v, "");
      Optional<String> leader = Json.nonEmptyString(o, "leader", "");
      long quorum = Json.integer(o, "quorum", "").orElse(0L);
      if (quorum < 0 || quorum > Integer.MAX_VALUE) {
        throw new BadValue("quorum: expected a non-negative integer, got " + quorum);
      }
      List<String> standbys = new ArrayList<>();
      for (String s : Json.string(o, "sync_standby", "").orElse("").split(",")) {
        if (!s.strip().isEmpty()) {
          standbys.add(s.strip());
        }
      }
      return new SyncState(leader, leader.isPresent() ? (int) quorum : 0, standbys);
    });
  }

  // ================================================================= status, optime/leader

  /** The {@code status} JSON: {@code optime}, then {@code slots} and {@code retain_slots} when not empty. */
  public static String encodeStatus(ClusterStatus status) {
    Objects.requireNonNull(status, "status");
    ObjectNode o = Json.object();
    o.put("optime", status.optime());
    if (!status.slots().isEmpty()) {
      ObjectNode slots = o.putObject("slots");
      new TreeMap<>(status.slots()).forEach(slots::put);
    }
    if (!status.retainSlots().isEmpty()) {
      ArrayNode retain = o.putArray("retain_slots");
      status.retainSlots().forEach(retain::add);
    }
    return Json.write(o);
  }

  /** Decodes {@code status}: the JSON object, or a bare integer (the oldest form). */
  public static Decoded<ClusterStatus> decodeStatus(String key, String raw, long version) {
    return decode(key, raw, version, r -> {
      Object v = Json.parse(r);
      if (v instanceof Number) {
        return new ClusterStatus(Json.toLong(v, "optime"), Map.of(), List.of());
      }
      Map<String, Object> o = Json.object(v, "");
      long optime = Json.integer(o, "optime", "").orElse(0L);
      Map<String, Long> slots = new LinkedHashMap<>();
      if (o.get("slots") != null) {
        for (Map.Entry<String, Object> e : Json.object(o.get("slots"), "slots").entrySet()) {
          slots.put(e.getKey(), Json.toLong(e.getValue(), "slots." + e.getKey()));
        }
      }
      List<String> retain = new ArrayList<>();
      if (o.get("retain_slots") != null) {
        List<Object> l = Json.list(o.get("retain_slots"), "retain_slots");
        for (int i = 0; i < l.size(); i++) {
          if (!(l.get(i) instanceof String s)) {
            throw new BadValue("retain_slots[" + i + "]: expected a string, got " + Json.describe(l.get(i)));
          }
          retain.add(s);
        }
      }
      return new ClusterStatus(optime, slots, retain);
    });
  }

  /** The legacy {@code optime/leader} value: the LSN as a decimal string. */
  public static String encodeLeaderOptime(long lsn) {
    return Long.toString(lsn);
  }

  /** Decodes the legacy {@code optime/leader}: a decimal integer. */
  public static Decoded<Long> decodeLeaderOptime(String key, String raw, long version) {
    return decode(key, raw, version, r -> {
      try {
        return Long.parseLong(r.strip());
      } catch (NumberFormatException e) {
        throw new BadValue("expected an integer LSN, got " + Json.describe(r));
      }
    });
  }

  // ================================================================= history

  /**
   * The {@code history} JSON list: {@code [timeline, lsn, "reason"]}, then the timestamp and the new
   * leader when known (a missing timestamp before a known leader is written as {@code null}).
   */
  public static String encodeHistory(TimelineHistory history) {
    Objects.requireNonNull(history, "history");
    ArrayNode a = Json.array();
    for (TimelineHistory.Entry e : history.entries()) {
      ArrayNode line = a.addArray();
      line.add(e.timeline());
      line.add(e.switchLsn());
      line.add(e.reason());
      if (e.timestamp().isPresent() || e.newLeader().isPresent()) {
        if (e.timestamp().isPresent()) {
          line.add(e.timestamp().get());
        } else {
          line.addNull();
        }
      }
      e.newLeader().ifPresent(line::add);
    }
    return Json.write(a);
  }

  /**
   * Decodes {@code history}: a list of 3 to 5 element lists. Timeline and LSN may be numeric strings;
   * a {@code null} reason reads as {@code ""}, a {@code null} timestamp or leader as unknown.
   */
  public static Decoded<TimelineHistory> decodeHistory(String key, String raw, long version) {
    return decode(key, raw, version, r -> {
      List<Object> lines = Json.list(Json.parse(r), "");
      List<TimelineHistory.Entry> entries = new ArrayList<>(lines.size());
      for (int i = 0; i < lines.size(); i++) {
        String at = "[" + i + "]";
        List<Object> line = Json.list(lines.get(i), at);
        if (line.size() < 3 || line.size() > 5) {
          throw new BadValue(at + ": expected 3 to 5 elements, got " + line.size());
        }
        entries.add(new TimelineHistory.Entry(
            Json.toLong(line.get(0), at + "[0]"),
            Json.toLong(line.get(1), at + "[1]"),
            historyText(line, 2, at).orElse(""),
            historyText(line, 3, at),
            historyText(line, 4, at)));
      }
      return new TimelineHistory(entries);
    });
  }

  private static Optional<String> historyText(List<Object> line, int index, String at) throws BadValue {
    if (index >= line.size() || line.get(index) == null) {
      return Optional.empty();
    }
    if (line.get(index) instanceof String s) {
      return Optional.of(s);
    }
    throw new BadValue(at + "[" + index + "]: expected a string, got " + Json.describe(line.get(index)));
  }

  // ================================================================= failsafe

  /** The {@code failsafe} JSON object: member name to REST API URL, sorted by name. */
  public static String encodeFailsafe(Map<String, String> members) {
    Objects.requireNonNull(members, "members");
    ObjectNode o = Json.object();
    new TreeMap<>(members).forEach(o::put);
    return Json.write(o);
  }

  /** Decodes {@code failsafe}: an object whose values are all strings. */
  public static Decoded<Map<String, String>> decodeFailsafe(String key, String raw, long version) {
    return decode(key, raw, version, r -> {
      Map<String, String> out = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : Json.object(Json.parse(r), "").entrySet()) {
        if (!(e.getValue() instanceof String s)) {
          throw new BadValue(e.getKey() + ": expected an api_url string, got " + Json.describe(e.getValue()));
        }
        out.put(e.getKey(), s);
      }
      return Map.copyOf(out);
    });
  }

  // ================================================================= the whole cluster

  /**
   * Decodes one prefix read into the cluster view, as Patroni's {@code Cluster} is built.
   *
   * <ul>
   *   <li>Keys outside {@code path.base()} and keys the layout does not define are ignored; only
   *       direct children of {@code members/} are members (so {@code members/a/b} is not one).
   *   <li>An invalid value is listed in {@link ClusterView#invalid()} and its field is left empty; an
   *       invalid member value keeps the member, with {@link MemberStatus#unknown()}.
   *   <li>A {@code leader} naming a member without a key adds a stub member (status unknown,
   *       version -1, no lease).
   *   <li>{@code status} falls back to the legacy {@code optime/leader} when absent or invalid.
   *   <li>The view carries the snapshot's connection state.
   * </ul>
   */
  public static ClusterView decode(Snapshot snapshot, ClusterPath path) {
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(path, "path");
    List<InvalidValue> invalid = new ArrayList<>();
    Map<String, Member> members = new TreeMap<>();
    Optional<Versioned<String>> initialize = Optional.empty();
    Optional<Versioned<DynamicConfig>> config = Optional.empty();
    Optional<LeaderLock> leader = Optional.empty();
    Optional<Versioned<FailoverRequest>> failover = Optional.empty();
    Optional<Versioned<SyncState>> sync = Optional.empty();
    Optional<TimelineHistory> history = Optional.empty();
    Optional<ClusterStatus> status = Optional.empty();
    Optional<ClusterStatus> legacyOptime = Optional.empty();
    Optional<Map<String, String>> failsafe = Optional.empty();

    for (KeyValue kv : snapshot.entries()) {
      Optional<String> memberName = path.memberNameOf(kv.key());
      if (memberName.isPresent()) {
        Decoded<MemberStatus> d = decodeMember(kv.key(), kv.value(), kv.version());
        d.invalid().ifPresent(invalid::add);
        members.put(memberName.get(), new Member(memberName.get(), d.toOptional().orElseGet(MemberStatus::unknown),
            kv.version(), kv.leaseId()));
        continue;
      }
      String rel = path.relative(kv.key()).orElse(null);
      if (rel == null) {
        continue;
      }
      String k = kv.key();
      String v = kv.value();
      long ver = kv.version();
      switch (rel) {
        case ClusterPath.LEADER:
          leader = collect(decodeLeader(k, v, ver), invalid)
              .map(name -> new LeaderLock(name, ver, kv.leaseId()));
          break;
        case ClusterPath.INITIALIZE:
          initialize = collect(decodeInitialize(k, v, ver), invalid).map(s -> new Versioned<>(s, ver));
          break;
        case ClusterPath.CONFIG:
          config = collect(decodeConfig(k, v, ver), invalid).map(c -> new Versioned<>(c, ver));
          break;
        case ClusterPath.FAILOVER:
          failover = collect(decodeFailover(k, v, ver), invalid).map(f -> new Versioned<>(f, ver));
          break;
        case ClusterPath.SYNC:
          sync = collect(decodeSync(k, v, ver), invalid).map(s -> new Versioned<>(s, ver));
          break;
        case ClusterPath.HISTORY:
          history = collect(decodeHistory(k, v, ver), invalid);
          break;
        case ClusterPath.STATUS:
          status = collect(decodeStatus(k, v, ver), invalid);
          break;
        case ClusterPath.LEADER_OPTIME:
          legacyOptime = collect(decodeLeaderOptime(k, v, ver), invalid)
              .map(lsn -> new ClusterStatus(lsn, Map.of(), List.of()));
          break;
        case ClusterPath.FAILSAFE:
          failsafe = collect(decodeFailsafe(k, v, ver), invalid);
          break;
        default:
          break;
      }
    }
    Optional<ClusterStatus> legacy = legacyOptime;
    leader.ifPresent(l -> members.computeIfAbsent(l.holder(),
        name -> new Member(name, MemberStatus.unknown(), -1, Optional.empty())));
    invalid.sort(Comparator.comparing(InvalidValue::key));
    return new ClusterView(initialize, config, leader, List.copyOf(members.values()), failover, sync,
        history.orElse(TimelineHistory.EMPTY), status.or(() -> legacy).orElse(ClusterStatus.EMPTY),
        failsafe, invalid, snapshot.connection());
  }

  private static <T> Optional<T> collect(Decoded<T> d, List<InvalidValue> invalid) {
    d.invalid().ifPresent(invalid::add);
    return d.toOptional();
  }

  // ================================================================= plumbing

  @FunctionalInterface
  private interface Reader<T> {
    T read(String raw) throws BadValue;
  }

  /** Runs a reader, turning every failure, even an unexpected one, into an {@link InvalidValue}. */
  private static <T> Decoded<T> decode(String key, String raw, long version, Reader<T> reader) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(raw, "raw");
    try {
      return new Decoded.Valid<>(reader.read(raw));
    } catch (BadValue e) {
      return new Decoded.Invalid<>(new InvalidValue(key, raw, e.getMessage(), version));
    } catch (RuntimeException e) {
      // A model constructor refusing a value we did not foresee: still a bad value, not a crash.
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return new Decoded.Invalid<>(new InvalidValue(key, raw, why, version));
    }
  }
}
