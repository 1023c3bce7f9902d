package dev.primus.runner.ctl;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.Versioned;
import java.net.URI;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The member table of {@code primus ctl list} and {@code topology}, built from one DCS read exactly as
 * {@code patronictl} 3.0.2 builds it, so scripts and eyes that read one read the other:
 * <ul>
 *   <li>members sorted by name (the leader first, and replicas under their {@code replicatefrom}, in
 *       topology);
 *   <li>Role {@code Leader} (or {@code Standby Leader}), {@code Sync Standby} for a member named in
 *       {@code sync}, else {@code Replica}; State as the member key says;
 *   <li>Host is the {@code conn_url}'s host, with {@code :port} when some member uses a port other
 *       than 5432 or two share a host;
 *   <li>Lag in MB, for non-leaders: {@code status.optime} minus the member's {@code xlog_location}, in
 *       MiB rounded half to even (Python's {@code round}), {@code unknown} without an
 *       {@code xlog_location}, empty for the leader;
 *   <li>Pending restart ({@code *}), Scheduled restart and Tags columns only when some member has one
 *       (or {@code -e});
 *   <li>the title {@code Cluster: <name>} written into the top border, then the service lines:
 *       maintenance mode, a scheduled switchover.
 * </ul>
 */
final class ClusterTable {
  static final List<String> BASE_COLUMNS = List.of("Cluster", "Member", "Host", "Role", "State", "TL", "Lag in MB");
  static final Set<String> RIGHT = Set.of("Lag in MB", "TL");

  /** Output formats of {@code list}. */
  enum Format {
    PRETTY, JSON, YAML, TSV, TOPOLOGY;
  }

  private final List<String> columns;
  private final List<Map<String, Object>> rows;
  private final List<String> serviceInfo;
  private final String name;

  private ClusterTable(String name, List<String> columns, List<Map<String, Object>> rows, List<String> serviceInfo) {
    this.name = name;
    this.columns = columns;
    this.rows = rows;
    this.serviceInfo = serviceInfo;
  }

  /** The table of {@code view}, for the cluster called {@code name}. */
  static ClusterTable of(ClusterView view, String name, boolean extended, boolean topology) {
    Optional<String> leader = view.leader().map(LeaderLock::holder);
    boolean standbyCluster = view.config().map(c -> c.value().standbyCluster().isPresent()).orElse(false);
    long clusterLsn = view.status().optime();
    List<Member> members = view.members().stream()
        .filter(m -> m.version() != -1) // the leader's stub when it wrote no member key: patronictl lists keys only
        .sorted(Comparator.comparing(Member::name))
        .toList();

    List<Map<String, Object>> entries = new ArrayList<>();
    for (Member m : members) {
      MemberStatus s = m.status();
      Map<String, Object> e = new LinkedHashMap<>();
      boolean isLeader = leader.map(m.name()::equals).orElse(false);
      String role = isLeader ? (standbyCluster ? "standby_leader" : "leader")
          : view.sync().map(v -> v.value().isSyncStandby(m.name())).orElse(false) ? "sync_standby" : "replica";
      e.put("name", m.name());
      e.put("role", role);
      e.put("state", s.state().wire());
      hostPort(s.connUrl()).ifPresent(hp -> {
        e.put("host", hp.host());
        hp.port().ifPresent(p -> e.put("port", p));
      });
      s.timeline().ifPresent(t -> e.put("timeline", t));
      if (s.pendingRestart()) {
        e.put("pending_restart", true);
      }
      s.scheduledRestart().ifPresent(r -> {
        String value = r.schedule();
        Object version = r.extra().get("postgres_version");
        e.put("scheduled_restart", version == null ? value : value + " if version < " + version);
      });
      if (!s.tags().all().isEmpty()) {
        e.put("tags", new java.util.TreeMap<>(s.tags().all()));
      }
      if (!isLeader) {
        Optional<Long> lsn = s.xlogLocation();
        e.put("lag", lsn.isEmpty() ? "unknown" : (Object) Math.max(0, clusterLsn - lsn.get()));
      }
      entries.add(e);
    }

    List<String> columns = new ArrayList<>(BASE_COLUMNS);
    List<Map<String, Object>> withHost = entries.stream().filter(e -> e.containsKey("host")).toList();
    for (String extra : List.of("Pending restart", "Scheduled restart", "Tags")) {
      String key = extra.toLowerCase(java.util.Locale.ROOT).replace(' ', '_');
      if (extended || withHost.stream().anyMatch(e -> truthy(e.get(key)))) {
        columns.add(extra);
      }
    }
    Set<Object> hosts = new HashSet<>();
    withHost.forEach(e -> hosts.add(e.get("host")));
    boolean appendPort = withHost.stream().anyMatch(e -> e.containsKey("port") && !Integer.valueOf(5432).equals(e.get("port")))
        || hosts.size() < withHost.size();

    List<Map<String, Object>> ordered = topology ? topologyOrder(entries) : entries;
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map<String, Object> e : ordered) {
      Map<String, Object> row = new LinkedHashMap<>();
      String host = (String) e.getOrDefault("host", "");
      if (appendPort && !host.isEmpty() && e.containsKey("port")) {
        host = host + ":" + e.get("port");
      }
      Object lag = e.getOrDefault("lag", "");
      row.put("Cluster", name);
      row.put("Member", e.get("name"));
      row.put("Host", host);
      row.put("Role", title(((String) e.get("role")).replace('_', ' ')));
      row.put("State", e.get("state"));
      row.put("TL", e.getOrDefault("timeline", ""));
      row.put("Lag in MB", lag instanceof Long l ? (Object) Math.round(Math.rint(l / 1024.0 / 1024.0)) : lag);
      row.put("Pending restart", truthy(e.get("pending_restart")) ? "*" : "");
      row.put("Scheduled restart", e.getOrDefault("scheduled_restart", ""));
      row.put("Tags", e.getOrDefault("tags", ""));
      rows.add(row);
    }

    List<String> info = new ArrayList<>();
    if (view.paused()) {
      info.add("Maintenance mode: on");
    }
    view.pendingFailover().map(Versioned::value).filter(f -> f.scheduledAt().isPresent())
        .ifPresent(f -> info.add(scheduledSwitchover(f)));
    return new ClusterTable(name, List.copyOf(columns), rows, info);
  }

  private static String scheduledSwitchover(FailoverRequest f) {
    StringBuilder sb = new StringBuilder("Switchover scheduled at: ").append(isoformat(f.scheduledAt().orElseThrow()));
    f.leader().ifPresent(l -> sb.append('\n').append(String.format("%24s: %s", "from", l)));
    f.candidate().ifPresent(c -> sb.append('\n').append(String.format("%24s: %s", "to", c)));
    return sb.toString();
  }

  /** Python's {@code datetime.isoformat()}: microseconds only when there are any. */
  static String isoformat(OffsetDateTime t) {
    String pattern = t.getNano() == 0 ? "yyyy-MM-dd'T'HH:mm:ssxxx" : "yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx";
    return t.format(DateTimeFormatter.ofPattern(pattern));
  }

  /** Leader first, then each member under the one it replicates from (two spaces and "+ " per level). */
  private static List<Map<String, Object>> topologyOrder(List<Map<String, Object>> entries) {
    Optional<Map<String, Object>> leader = entries.stream()
        .filter(e -> ((String) e.get("role")).endsWith("leader")).findFirst();
    String leaderName = leader.map(e -> (String) e.get("name")).orElse(null);
    Set<String> replicas = new HashSet<>();
    entries.stream().filter(e -> !((String) e.get("role")).endsWith("leader")).forEach(e -> replicas.add((String) e.get("name")));
    Map<String, List<Map<String, Object>>> children = new LinkedHashMap<>();
    for (Map<String, Object> e : entries) {
      if (((String) e.get("role")).endsWith("leader")) {
        continue;
      }
      Object parent = e.get("tags") instanceof Map<?, ?> t ? t.get("replicatefrom") : null;
      String p = parent instanceof String s && !s.equals(e.get("name")) && replicas.contains(s) ? s : leaderName;
      children.computeIfAbsent(p, k -> new ArrayList<>()).add(e);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    Map<String, Object> root = leader.orElseGet(() -> {
      Map<String, Object> none = new LinkedHashMap<>();
      none.put("name", null);
      return none;
    });
    walk(0, root, children, out, new HashSet<>());
    return out;
  }

  private static void walk(int level, Map<String, Object> member, Map<String, List<Map<String, Object>>> children,
      List<Map<String, Object>> out, Set<String> seen) {
    String name = (String) member.get("name");
    if (name != null && !seen.add(name)) {
      return; // a replicatefrom cycle: each member once
    }
    List<Map<String, Object>> below = children.getOrDefault(name, List.of());
    if (name != null) {
      Map<String, Object> shown = new LinkedHashMap<>(member);
      if (level > 0) {
        shown.put("name", " ".repeat((level - 1) * 2) + "+ " + name);
      }
      out.add(shown);
    }
    for (Map<String, Object> child : below) {
      walk(level + 1, child, children, out, seen);
    }
  }

  private static boolean truthy(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    return true;
  }

  /** Python's {@code str.title()} for the role words. */
  private static String title(String s) {
    StringBuilder sb = new StringBuilder();
    boolean start = true;
    for (char c : s.toCharArray()) {
      sb.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
      start = !Character.isLetter(c);
    }
    return sb.toString();
  }

  /** A host and, if the URL has one, a port. */
  record HostPort(String host, Optional<Integer> port) {}

  /** The host and port of a {@code postgres://host:port/db} URL, if it has a host. */
  static Optional<HostPort> hostPort(String connUrl) {
    if (connUrl == null || connUrl.isBlank()) {
      return Optional.empty();
    }
    try {
      URI u = URI.create(connUrl);
      String host = u.getHost();
      if (host == null) {
        return Optional.empty();
      }
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      return Optional.of(new HostPort(host, u.getPort() > 0 ? Optional.of(u.getPort()) : Optional.empty()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  // ================================================================= output

  /** The table as patronictl prints it in {@code format}, without the final newline. */
  String render(Format format) {
    switch (format) {
      case JSON:
        return PyJson.dumps(elements());
      case YAML:
        return PyYaml.dump(elements()).stripTrailing();
      case TSV:
        return tsv();
      case PRETTY:
      case TOPOLOGY:
      default:
        return pretty();
    }
  }

  /** The rows as objects for JSON and YAML: every column, empty cells left out. */
  private List<Map<String, Object>> elements() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      Map<String, Object> e = new LinkedHashMap<>();
      for (String c : columns) {
        Object v = row.get(c);
        if (v != null && !(v instanceof String s && s.isEmpty())) {
          e.put(c, v);
        }
      }
      out.add(e);
    }
    return out;
  }

  private String tsv() {
    List<String> lines = new ArrayList<>();
    lines.add(String.join("\t", columns));
    for (Map<String, Object> row : rows) {
      List<String> cells = new ArrayList<>();
      for (String c : columns) {
        Object v = row.get(c);
        cells.add(c.equals("Tags") && v instanceof Map<?, ?> ? PyYaml.flow(v) : String.valueOf(v));
      }
      lines.add(String.join("\t", cells));
    }
    return String.join("\n", lines);
  }

  private String pretty() {
    List<String> shown = columns.subList(1, columns.size()); // the cluster name is in the title
    List<List<String>> cells = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      List<String> r = new ArrayList<>();
      for (String c : shown) {
        Object v = row.get(c);
        r.add(c.equals("Tags") && v instanceof Map<?, ?> m ? PyYaml.dump(m).strip() : String.valueOf(v));
      }
      cells.add(r);
    }
    String table = TextTable.render(shown, cells, RIGHT, Optional.of(" Cluster: " + name + " "));
    if (serviceInfo.isEmpty()) {
      return table;
    }
    return table + "\n " + String.join("\n ", serviceInfo);
  }

  List<String> columns() {
    return columns;
  }

  List<Map<String, Object>> rows() {
    return rows;
  }
}
