package dev.primus.dcs.layout;

import java.util.Objects;
import java.util.Optional;

/**
 * Where one Patroni cluster lives in the DCS: {@code /<namespace>/<scope>/} (or
 * {@code /<namespace>/<scope>/<group>/} for a Citus/MPP group), and the names of the keys under it.
 *
 * <p>The base is built as Patroni builds it: the parts joined with {@code /} and repeated slashes
 * collapsed, so a namespace of {@code "/service/"} or {@code "service"} gives the same base
 * {@code /service/<scope>/}; an empty namespace gives {@code /<scope>/}. Use {@link #of(String)} for
 * Patroni's default namespace {@value #DEFAULT_NAMESPACE}.
 *
 * <p>Scope and member names become single path segments, so they are validated with
 * {@link #checkName}: not empty, no {@code /}, no control characters, not {@code .} or {@code ..}
 * (which ZooKeeper rejects), no leading or trailing blanks.
 *
 * @param namespace the {@code namespace} setting; may contain slashes
 * @param scope     the cluster name ({@code scope} in {@code patroni.yml})
 * @param group     the Citus/MPP group id, when the cluster is one group of an MPP cluster
 * @param base      the prefix every key of this cluster starts with, derived from the other three: computed
 *                  once here (the regex ran on every key before); the canonical constructor rejects any
 *                  other value. Use the three-argument constructor.
 */
public record ClusterPath(String namespace, String scope, Optional<Integer> group, String base) {

  /** Patroni's default namespace. */
  public static final String DEFAULT_NAMESPACE = "service";

  /** Relative key names (Patroni's {@code AbstractDCS} constants). */
  public static final String LEADER = "leader";
  public static final String MEMBERS = "members/";
  public static final String CONFIG = "config";
  public static final String INITIALIZE = "initialize";
  public static final String STATUS = "status";
  public static final String HISTORY = "history";
  public static final String FAILOVER = "failover";
  public static final String SYNC = "sync";
  public static final String FAILSAFE = "failsafe";
  /** The legacy key Patroni older than 2.1.0 reads the leader's WAL position from. */
  public static final String LEADER_OPTIME = "optime/leader";

  public ClusterPath {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(group, "group");
    checkName("scope", scope);
    if (namespace.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("namespace must not contain control characters");
    }
    if (group.isPresent() && group.get() < 0) {
      throw new IllegalArgumentException("group must not be negative, got " + group.get());
    }
    String expected = baseOf(namespace, scope, group);
    if (base != null && !base.equals(expected)) {
      throw new IllegalArgumentException("base must be " + expected + ", got " + base);
    }
    base = expected;
  }

  public ClusterPath(String namespace, String scope, Optional<Integer> group) {
    this(namespace, scope, group, null);
  }

  private static String baseOf(String namespace, String scope, Optional<Integer> group) {
    String raw = "/" + namespace + "/" + scope + "/" + group.map(g -> g + "/").orElse("");
    return raw.replaceAll("/{2,}", "/");
  }

  /** The cluster {@code scope} in the default namespace, without a group. */
  public static ClusterPath of(String scope) {
    return new ClusterPath(DEFAULT_NAMESPACE, scope, Optional.empty());
  }

  /** The cluster {@code scope} in {@code namespace}, without a group. */
  public static ClusterPath of(String namespace, String scope) {
    return new ClusterPath(namespace, scope, Optional.empty());
  }

  /** This cluster's path for MPP group {@code group}. */
  public ClusterPath withGroup(int group) {
    return new ClusterPath(namespace, scope, Optional.of(group));
  }

  /** The prefix every key of this cluster starts with; begins and ends with {@code /}. */
  @Override
  public String base() {
    return base;
  }

  /** The full key for a relative name such as {@link #STATUS}; leading slashes are ignored. */
  public String key(String relative) {
    Objects.requireNonNull(relative, "relative");
    int i = 0;
    while (i < relative.length() && relative.charAt(i) == '/') {
      i++;
    }
    return base() + relative.substring(i);
  }

  /** {@code leader}: the leader lock, a plain string naming the holder. */
  public String leader() {
    return key(LEADER);
  }

  /** {@code members/}: the prefix of the member keys. */
  public String members() {
    return key(MEMBERS);
  }

  /** {@code members/<name>} for a valid member name (see {@link #checkName}). */
  public String member(String name) {
    checkName("member name", name);
    return key(MEMBERS + name);
  }

  public String config() {
    return key(CONFIG);
  }

  public String initialize() {
    return key(INITIALIZE);
  }

  public String status() {
    return key(STATUS);
  }

  public String history() {
    return key(HISTORY);
  }

  public String failover() {
    return key(FAILOVER);
  }

  public String sync() {
    return key(SYNC);
  }

  public String failsafe() {
    return key(FAILSAFE);
  }

  /** {@code optime/leader}, the legacy WAL-position key. */
  public String leaderOptime() {
    return key(LEADER_OPTIME);
  }

  /** The key relative to {@link #base()}, or empty if {@code fullKey} is not under it. */
  public Optional<String> relative(String fullKey) {
    String base = base();
    return fullKey.startsWith(base) ? Optional.of(fullKey.substring(base.length())) : Optional.empty();
  }

  /**
   * The member name of a key that is a direct child of {@code members/} (Patroni ignores deeper
   * keys), or empty.
   */
  public Optional<String> memberNameOf(String fullKey) {
    return relative(fullKey)
        .filter(r -> r.startsWith(MEMBERS))
        .map(r -> r.substring(MEMBERS.length()))
        .filter(n -> !n.isEmpty() && n.indexOf('/') < 0);
  }

  /** Whether {@code name} may be used as a scope or member name; see {@link #checkName}. */
  public static boolean isValidName(String name) {
    return problemWith(name) == null;
  }

  /**
   * Checks a scope or member name.
   *
   * @param what what the name is, for the message (e.g. {@code "member name"})
   * @throws IllegalArgumentException naming {@code what} and the problem
   */
  public static String checkName(String what, String name) {
    String problem = problemWith(name);
    if (problem != null) {
      throw new IllegalArgumentException(what + " " + problem);
    }
    return name;
  }

  private static String problemWith(String name) {
    if (name == null) {
      return "must not be null";
    }
    if (name.isEmpty()) {
      return "must not be empty";
    }
    if (name.indexOf('/') >= 0) {
      return "must not contain '/': '" + name + "'";
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      return "must not contain control characters";
    }
    if (name.equals(".") || name.equals("..")) {
      return "must not be '" + name + "'";
    }
    if (!name.strip().equals(name)) {
      return "must not start or end with blanks: '" + name + "'";
    }
    return null;
  }
}
