package dev.primus.dcs.layout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.MemberStatus.PendingChange;
import dev.primus.dcs.model.MemberStatus.ScheduledRestart;
import dev.primus.dcs.model.PatroniDialect;
import dev.primus.dcs.model.Tags;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** The {@code members/<name>} value and its {@code tags}: JSON, or the legacy connection URL. */
final class MemberCodec {
  static final String CONN_URL = "conn_url";
  static final String API_URL = "api_url";
  static final String STATE = "state";
  static final String ROLE = "role";
  static final String VERSION = "version";
  static final String PROXY_URL = "proxy_url";
  static final String XLOG_LOCATION = "xlog_location";
  static final String TIMELINE = "timeline";
  static final String REPLICATION_STATE = "replication_state";
  static final String RECEIVE_LSN = "receive_lsn";
  static final String REPLAY_LSN = "replay_lsn";
  static final String TAGS = "tags";
  static final String PENDING_RESTART = "pending_restart";
  static final String PENDING_RESTART_REASON = "pending_restart_reason";
  static final String SCHEDULED_RESTART = "scheduled_restart";
  static final String PAUSE = "pause";

  /** The fields {@link MemberStatus} models; everything else goes to {@code extra}. */
  private static final Set<String> MODELLED = Set.of(CONN_URL, API_URL, STATE, ROLE, VERSION, PROXY_URL,
      XLOG_LOCATION, TIMELINE, REPLICATION_STATE, RECEIVE_LSN, REPLAY_LSN, TAGS, PENDING_RESTART,
      PENDING_RESTART_REASON, SCHEDULED_RESTART, PAUSE);

  static final String NOFAILOVER = "nofailover";
  static final String NOLOADBALANCE = "noloadbalance";
  static final String CLONEFROM = "clonefrom";
  static final String REPLICATEFROM = "replicatefrom";
  static final String NOSYNC = "nosync";
  static final String NOSTREAM = "nostream";
  static final String FAILOVER_PRIORITY = "failover_priority";

  private static final String SCHEDULE = "schedule";
  private static final String POSTMASTER_START_TIME = "postmaster_start_time";
  private static final String OLD_VALUE = "old_value";
  private static final String NEW_VALUE = "new_value";

  private MemberCodec() {}

  // ---------------------------------------------------------------- decoding

  static MemberStatus decode(String raw) throws BadValue {
    // Patroni's Member.from_node takes any value starting with "postgres" as the pre-JSON form.
    if (raw.startsWith("postgres")) {
      return decodeLegacy(raw);
    }
    Map<String, Object> o = Json.object(Json.parse(raw), "");
    Map<String, Object> extra = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : o.entrySet()) {
      // The model's maps cannot hold null; a null unknown field carries no information anyway.
      if (!MODELLED.contains(e.getKey()) && e.getValue() != null) {
        extra.put(e.getKey(), e.getValue());
      }
    }
    return new MemberStatus(
        Json.string(o, CONN_URL, "").orElse(""),
        Json.string(o, API_URL, "").orElse(""),
        Json.string(o, STATE, "").map(MemberState::fromWire).orElse(MemberState.UNKNOWN),
        Json.string(o, ROLE, "").map(MemberRole::fromWire).orElse(MemberRole.UNKNOWN),
        Json.string(o, VERSION, ""),
        Json.integer(o, XLOG_LOCATION, ""),
        Json.integer(o, TIMELINE, ""),
        Json.string(o, REPLICATION_STATE, ""),
        Json.integer(o, RECEIVE_LSN, ""),
        Json.integer(o, REPLAY_LSN, ""),
        o.get(TAGS) == null ? Tags.NONE : decodeTags(Json.object(o.get(TAGS), TAGS)),
        Json.bool(o, PENDING_RESTART, "").orElse(false),
        decodePendingReasons(o.get(PENDING_RESTART_REASON)),
        o.get(SCHEDULED_RESTART) == null ? Optional.empty()
            : Optional.of(decodeScheduledRestart(Json.object(o.get(SCHEDULED_RESTART), SCHEDULED_RESTART))),
        Json.string(o, PROXY_URL, ""),
        Json.bool(o, PAUSE, "").orElse(false),
        extra);
  }

  /**
   * {@code postgres://user:pass@host:port/postgres?application_name=<api_url>}: the query is cut off
   * the connection URL and {@code application_name} in it is the REST API URL.
   */
  private static MemberStatus decodeLegacy(String raw) {
    String conn = raw;
    String query = "";
    String fragment = "";
    int hash = conn.indexOf('#');
    if (hash >= 0) {
      fragment = conn.substring(hash);
      conn = conn.substring(0, hash);
    }
    int q = conn.indexOf('?');
    if (q >= 0) {
      query = conn.substring(q + 1);
      conn = conn.substring(0, q);
    }
    String api = "";
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && decodeQueryPart(pair.substring(0, eq)).equals("application_name")) {
        api = decodeQueryPart(pair.substring(eq + 1));
        break;
      }
    }
    MemberStatus u = MemberStatus.unknown();
    return new MemberStatus(conn + fragment, api, u.state(), u.role(), u.version(), u.xlogLocation(),
        u.timeline(), u.replicationState(), u.receiveLsn(), u.replayLsn(), u.tags(), u.pendingRestart(),
        u.pendingRestartReason(), u.scheduledRestart(), u.proxyUrl(), u.pause(), u.extra());
  }

  private static String decodeQueryPart(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      // A malformed %-escape: keep the text as written rather than failing the whole member.
      return s;
    }
  }

  /**
   * Tags the way Patroni reads them: the boolean tags by Python truthiness, an explicit
   * {@code nofailover} overriding {@code failover_priority}, and without {@code nofailover} a
   * non-positive priority meaning no failover. Every tag is kept in {@link Tags#all()}.
   */
  static Tags decodeTags(Map<String, Object> t) throws BadValue {
    Object noFailoverRaw = t.get(NOFAILOVER);
    long priority = t.get(FAILOVER_PRIORITY) == null
        ? Tags.DEFAULT_FAILOVER_PRIORITY
        : Json.toLong(t.get(FAILOVER_PRIORITY), TAGS + "." + FAILOVER_PRIORITY);
    if (priority > Integer.MAX_VALUE || priority < Integer.MIN_VALUE) {
      throw new BadValue(TAGS + "." + FAILOVER_PRIORITY + ": out of range: " + priority);
    }
    boolean noFailover;
    int effectivePriority;
    if (noFailoverRaw != null) {
      noFailover = Json.truthy(noFailoverRaw);
      effectivePriority = noFailover ? 0 : (int) priority;
    } else {
      noFailover = priority <= 0;
      effectivePriority = (int) priority;
    }
    Map<String, Object> all = new LinkedHashMap<>();
    t.forEach((k, v) -> {
      if (v != null) {
        all.put(k, v);
      }
    });
    return new Tags(noFailover, Json.truthy(t.get(NOLOADBALANCE)), Json.truthy(t.get(CLONEFROM)),
        Json.nonEmptyString(t, REPLICATEFROM, TAGS), Json.truthy(t.get(NOSYNC)), Json.truthy(t.get(NOSTREAM)),
        effectivePriority, all);
  }

  private static Map<String, PendingChange> decodePendingReasons(Object v) throws BadValue {
    if (v == null) {
      return Map.of();
    }
    Map<String, PendingChange> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : Json.object(v, PENDING_RESTART_REASON).entrySet()) {
      String path = PENDING_RESTART_REASON + "." + e.getKey();
      Map<String, Object> change = Json.object(e.getValue(), path);
      out.put(e.getKey(), new PendingChange(scalarText(change.get(OLD_VALUE), path + "." + OLD_VALUE),
          scalarText(change.get(NEW_VALUE), path + "." + NEW_VALUE)));
    }
    return out;
  }

  /** Setting values come from pg_settings as text; a number or boolean is accepted as its text. */
  private static String scalarText(Object v, String path) throws BadValue {
    if (v == null) {
      return "";
    }
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Boolean || v instanceof Integer || v instanceof Long || v instanceof BigInteger) {
      return v.toString();
    }
    if (v instanceof Double || v instanceof BigDecimal) {
      return new BigDecimal(v.toString()).stripTrailingZeros().toPlainString();
    }
    throw new BadValue(path + ": expected a setting value, got " + Json.describe(v));
  }

  private static ScheduledRestart decodeScheduledRestart(Map<String, Object> o) throws BadValue {
    String schedule = Json.string(o, SCHEDULE, SCHEDULED_RESTART)
        .orElseThrow(() -> new BadValue(SCHEDULED_RESTART + "." + SCHEDULE + ": missing"));
    Object pst = o.get(POSTMASTER_START_TIME);
    Optional<String> postmasterStart = pst == null ? Optional.empty()
        : Optional.of(scalarText(pst, SCHEDULED_RESTART + "." + POSTMASTER_START_TIME));
    Map<String, Object> extra = new LinkedHashMap<>();
    o.forEach((k, v) -> {
      if (!k.equals(SCHEDULE) && !k.equals(POSTMASTER_START_TIME) && v != null) {
        extra.put(k, v);
      }
    });
    return new ScheduledRestart(schedule, postmasterStart, extra);
  }

  // ---------------------------------------------------------------- encoding

  static String encode(MemberStatus s) {
    Objects.requireNonNull(s, "status");
    ObjectNode o = Json.object();
    // Patroni always writes these four; readers such as the HAProxy confd template rely on them.
    o.put(CONN_URL, s.connUrl());
    o.put(API_URL, s.apiUrl());
    o.put(STATE, s.state().wire());
    // The role in the words of the Patroni the member claims to be (its version): never a mix.
    o.put(ROLE, PatroniDialect.ofVersion(s.version()).roleName(s.role()));
    s.version().ifPresent(v -> o.put(VERSION, v));
    s.proxyUrl().ifPresent(v -> o.put(PROXY_URL, v));
    s.xlogLocation().ifPresent(v -> o.put(XLOG_LOCATION, v));
    s.timeline().ifPresent(v -> o.put(TIMELINE, v));
    s.replicationState().ifPresent(v -> o.put(REPLICATION_STATE, v));
    s.receiveLsn().ifPresent(v -> o.put(RECEIVE_LSN, v));
    s.replayLsn().ifPresent(v -> o.put(REPLAY_LSN, v));
    Map<String, Object> tags = encodeTags(s.tags());
    if (!tags.isEmpty()) {
      o.set(TAGS, Json.node(tags, TAGS));
    }
    if (s.pendingRestart()) {
      o.put(PENDING_RESTART, true);
    }
    if (!s.pendingRestartReason().isEmpty()) {
      ObjectNode reasons = o.putObject(PENDING_RESTART_REASON);
      new TreeMap<>(s.pendingRestartReason()).forEach((param, change) -> {
        ObjectNode c = reasons.putObject(param);
        c.put(OLD_VALUE, change.oldValue());
        c.put(NEW_VALUE, change.newValue());
      });
    }
    s.scheduledRestart().ifPresent(r -> {
      ObjectNode sr = o.putObject(SCHEDULED_RESTART);
      sr.put(SCHEDULE, r.schedule());
      r.postmasterStartTime().ifPresent(p -> sr.put(POSTMASTER_START_TIME, p));
      new TreeMap<>(r.extra()).forEach((k, v) -> {
        if (!k.equals(SCHEDULE) && !k.equals(POSTMASTER_START_TIME)) {
          sr.set(k, Json.node(v, SCHEDULED_RESTART + "." + k));
        }
      });
    });
    if (s.pause()) {
      o.put(PAUSE, true);
    }
    new TreeMap<>(s.extra()).forEach((k, v) -> {
      // A modelled field wins over a same-named entry someone put into extra by hand.
      if (!MODELLED.contains(k)) {
        o.set(k, Json.node(v, k));
      }
    });
    return Json.write(o);
  }

  /**
   * The tags object to write: {@link Tags#all()} as written, with each tag Patroni gives meaning to
   * overwritten only where reading {@code all} back would not give the typed field. So a decoded
   * value round-trips unchanged, and a {@code Tags} built from typed fields alone still says what
   * its fields say.
   */
  static Map<String, Object> encodeTags(Tags tags) {
    Map<String, Object> out = new TreeMap<>(tags.all());
    if (out.containsKey(FAILOVER_PRIORITY)) {
      try {
        Json.toLong(out.get(FAILOVER_PRIORITY), FAILOVER_PRIORITY);
      } catch (BadValue e) {
        // A hand-built Tags.all() with an unreadable priority: the typed field replaces it below.
        out.remove(FAILOVER_PRIORITY);
      }
    }
    if (out.containsKey(REPLICATEFROM) && !(out.get(REPLICATEFROM) instanceof String)) {
      out.remove(REPLICATEFROM);
    }
    putIfDiffers(out, NOFAILOVER, reread(out).noFailover(), tags.noFailover());
    if (reread(out).failoverPriority() != tags.failoverPriority()) {
      out.put(FAILOVER_PRIORITY, tags.failoverPriority());
      // Without an explicit nofailover a priority of 0 reads as "no failover": say so explicitly
      // when the typed fields disagree.
      putIfDiffers(out, NOFAILOVER, reread(out).noFailover(), tags.noFailover());
    }
    putIfDiffers(out, NOLOADBALANCE, reread(out).noLoadBalance(), tags.noLoadBalance());
    putIfDiffers(out, CLONEFROM, reread(out).cloneFrom(), tags.cloneFrom());
    putIfDiffers(out, NOSYNC, reread(out).noSync(), tags.noSync());
    putIfDiffers(out, NOSTREAM, reread(out).noStream(), tags.noStream());
    if (!reread(out).replicateFrom().equals(tags.replicateFrom())) {
      if (tags.replicateFrom().isPresent()) {
        out.put(REPLICATEFROM, tags.replicateFrom().get());
      } else {
        out.remove(REPLICATEFROM);
      }
    }
    return out;
  }

  private static void putIfDiffers(Map<String, Object> out, String tag, boolean current, boolean wanted) {
    if (current != wanted) {
      out.put(tag, wanted);
    }
  }

  private static Tags reread(Map<String, Object> raw) {
    try {
      return decodeTags(raw);
    } catch (BadValue e) {
      // encodeTags removed unreadable priorities and replicatefrom values before rereading and only
      // puts readable ones, so this cannot happen.
      throw new IllegalStateException(e.getMessage(), e);
    }
  }
}
