package dev.primus.ha;

import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.Member;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The replication slots a running server keeps (Patroni's {@code use_slots}): a physical slot for every
 * member that streams from it, so its WAL stays until they have it; the permanent slots of the DCS config
 * on the primary.
 *
 * <ul>
 *   <li>The primary keeps a slot for every member that streams from it: a member without
 *       {@code replicatefrom} (or whose {@code replicatefrom} names no member), or one naming me;
 *       {@code nostream} members stream from nobody.
 *   <li>A replica keeps one for every member whose {@code replicatefrom} names it (cascading).
 *   <li>A member slot outlives its member's key by {@code member_slots_ttl}, counted from when this server
 *       first saw it gone, so a member that restarts finds its WAL. A new leader also keeps those the old
 *       one listed in {@code status.retain_slots}, which names the old leader itself: the old primary
 *       finds its slot when it rejoins.
 *   <li>The set is handed to the driver when it changes, and at least every {@link #REFRESH} to repair a
 *       slot someone dropped (a failed attempt waits for the next refresh, not the next cycle).
 *   <li>Permanent logical slots live on the replicas too (Patroni 3.0.2, PostgreSQL 11 and later), so a
 *       logical consumer resumes from its confirmed position after a failover: the primary publishes
 *       where each one's consumer confirmed ({@code status.slots}, {@link #published}); a replica that
 *       lacks one copies it from the primary ({@link #copy}: the state file, then a restart) once the
 *       primary publishes it, and moves the ones it has forward to the published position, as far as it
 *       replayed ({@link Action.EnsureSlots#advance}). Not on a member with {@code nofailover}, which
 *       never becomes the primary; {@code hot_standby_feedback} is forced on ({@link #forceHotStandbyFeedback})
 *       so the primary keeps the catalog rows those slots need.
 * </ul>
 */
final class Slots {
  /** How often the slots are re-asserted even when nothing changed. */
  static final Duration REFRESH = Duration.ofSeconds(60);

  private Slots() {}

  /**
   * The {@link Action.EnsureSlots} this cycle calls for, if any: for a running primary that holds the lock,
   * or a running replica. Never while a long action runs (the driver takes one call at a time).
   */
  static Optional<Action> maintain(Cycle c) {
    if (!c.local.isRunning() || c.obs.inProgress().isPresent() || !c.dcs().useSlots()) {
      return Optional.empty();
    }
    boolean leading = c.local.isRunningPrimary();
    if (leading && (!c.holder() || c.memory.lastLockUpdate().isEmpty())) {
      return Optional.empty();
    }
    Set<String> streaming = streamingFromMe(c, leading);
    Map<String, Instant> retained = retained(c, leading, streaming);
    Set<String> wanted = new TreeSet<>(streaming);
    wanted.addAll(retained.keySet());
    Map<String, Object> permanent = leading ? c.dcs().permanentSlots()
        : keepsLogicalSlotsAsReplica(c) ? permanentLogical(c) : Map.of();
    Map<String, Long> advance = leading ? Map.of() : advanceTargets(c, permanent);

    AgentMemory.SlotBook book = c.memory.slots();
    boolean changed = !book.applied().map(wanted::equals).orElse(false)
        || !book.permanentApplied().equals(permanent)
        || !book.retainedSince().equals(retained)
        || !advance.isEmpty() && !advance.equals(book.advanceTried());
    boolean due = book.appliedAt().map(t -> !c.now.isBefore(t.plus(REFRESH))).orElse(true);
    if (!changed && !due) {
      return Optional.empty();
    }
    return Optional.of(new Action.EnsureSlots(wanted, permanent, retained, advance));
  }

  /**
   * The permanent logical slots of the DCS config, as Patroni reads them: a definition that is an object
   * whose {@code type} is {@code logical} (the default) and that names a {@code database} and a
   * {@code plugin}, under a name that is no member's slot.
   */
  static Map<String, Object> permanentLogical(Cycle c) {
    Map<String, Object> out = new TreeMap<>();
    c.dcs().permanentSlots().forEach((name, def) -> {
      if (def instanceof Map<?, ?> m && "logical".equals(String.valueOf(m.containsKey("type") ? m.get("type") : "logical"))
          && m.get("database") != null && m.get("plugin") != null && c.member(name).isEmpty()) {
        out.put(name, def);
      }
    });
    return out;
  }

  /**
   * Whether this member keeps the permanent logical slots while it is a replica: slots are on, it may become
   * the primary (no {@code nofailover}), and the server is PostgreSQL 11 or later (when known), whose
   * {@code pg_replication_slot_advance} works on a standby.
   */
  static boolean keepsLogicalSlotsAsReplica(Cycle c) {
    return keepsLogicalSlots(c, c.config.tags().noFailover());
  }

  private static boolean keepsLogicalSlots(Cycle c, boolean noFailover) {
    return c.dcs().useSlots() && !noFailover && c.local.serverVersion().map(v -> v >= 110000).orElse(true)
        && !permanentLogical(c).isEmpty();
  }

  /**
   * Whether this server must run with {@code hot_standby_feedback} on, as Patroni forces it: it keeps
   * permanent logical slots as a replica, or a member that streams from it does (cascading, at any depth),
   * so the primary does not remove catalog rows that their decoding still needs.
   */
  static boolean forceHotStandbyFeedback(Cycle c) {
    if (keepsLogicalSlotsAsReplica(c)) {
      return true;
    }
    if (!c.dcs().useSlots() || !keepsLogicalSlots(c, false)) {
      return false;
    }
    Set<String> seen = new TreeSet<>(Set.of(c.me));
    java.util.Deque<String> upstreams = new java.util.ArrayDeque<>(List.of(c.me));
    while (!upstreams.isEmpty()) {
      String up = upstreams.pop();
      for (Member m : c.cluster.members()) {
        boolean cascades = m.status().tags().replicateFrom().map(up::equals).orElse(false)
            && !c.leader().map(m.name()::equals).orElse(false);
        if (cascades && seen.add(m.name())) {
          if (!m.status().tags().noFailover()) {
            return true;
          }
          upstreams.push(m.name());
        }
      }
    }
    return false;
  }

  /**
   * What the leader publishes in {@code status.slots}: the {@code confirmed_flush_lsn} of each permanent
   * logical slot it has as configured (Patroni 3.0.2 publishes these only).
   */
  static Map<String, Long> published(Cycle c) {
    if (!c.dcs().useSlots()) {
      return Map.of();
    }
    Map<String, Long> out = new TreeMap<>();
    permanentLogical(c).forEach((name, def) -> local(c, name, def)
        .flatMap(LocalState.ReplicationSlot::confirmedFlush)
        .filter(lsn -> lsn > 0)
        .ifPresent(lsn -> out.put(name, lsn)));
    return out;
  }

  /**
   * The {@link Action.CopyLogicalSlots} a running replica needs: the permanent logical slots it lacks whose
   * position the primary publishes (Patroni copies only those: the primary has them, its consumer confirmed
   * somewhere). Not while the cluster is paused (the copy restarts the server), nor within {@link #REFRESH}
   * of a failed copy.
   */
  static Optional<Action> copy(Cycle c) {
    if (!c.local.isRunning() || c.local.role().orElse(null) != DatabaseRole.REPLICA || c.obs.inProgress().isPresent()
        || !c.connected() || c.paused() || !keepsLogicalSlotsAsReplica(c)) {
      return Optional.empty();
    }
    Optional<String> leader = c.otherLeader();
    if (leader.isEmpty() || c.memory.slots().copyFailedAt().map(t -> c.now.isBefore(t.plus(REFRESH))).orElse(false)) {
      return Optional.empty();
    }
    Map<String, Long> positions = c.cluster.status().slots();
    Map<String, Object> missing = new TreeMap<>();
    permanentLogical(c).forEach((name, def) -> {
      boolean present = c.local.slots().stream().anyMatch(s -> s.name().equals(name));
      if (positions.containsKey(name) && !present) {
        missing.put(name, def);
      }
    });
    return missing.isEmpty() ? Optional.empty() : Optional.of(new Action.CopyLogicalSlots(leader.get(), missing));
  }

  /**
   * The logical slots of {@code permanent} this replica has as configured and that lag behind the position
   * the primary publishes, with how far to move them: to that position, but not past what this server
   * replayed (the driver could not go further).
   */
  private static Map<String, Long> advanceTargets(Cycle c, Map<String, Object> permanent) {
    Map<String, Long> positions = c.cluster.status().slots();
    long replayed = c.local.replayLsn().orElse(c.local.walPosition());
    Map<String, Long> out = new TreeMap<>();
    permanent.forEach((name, def) -> {
      Optional<LocalState.ReplicationSlot> mine = local(c, name, def);
      Long published = positions.get(name);
      if (mine.isEmpty() || published == null) {
        return;
      }
      long target = Math.min(published, replayed);
      if (target > mine.get().confirmedFlush().orElse(0L)) {
        out.put(name, target);
      }
    });
    return out;
  }

  /** The local slot {@code name}, if it is logical with the database and plugin of {@code def}. */
  private static Optional<LocalState.ReplicationSlot> local(Cycle c, String name, Object def) {
    Map<?, ?> d = (Map<?, ?>) def;
    return c.local.slots().stream()
        .filter(s -> s.name().equals(name) && s.logical()
            && s.database().equals(Optional.of(String.valueOf(d.get("database"))))
            && s.plugin().equals(Optional.of(String.valueOf(d.get("plugin")))))
        .findFirst();
  }

  /**
   * The slot names the leader lists in {@code status.retain_slots}: the members it keeps slots for, and
   * itself, so that whoever leads next keeps a slot for the old leader too.
   */
  static List<String> retainList(Cycle c) {
    if (!c.dcs().useSlots()) {
      return List.of();
    }
    Set<String> streaming = streamingFromMe(c, true);
    Set<String> names = new TreeSet<>(streaming);
    names.addAll(retained(c, true, streaming).keySet());
    names.add(c.me);
    return List.copyOf(names);
  }

  /** {@code status} with {@link #retainList}: what the leader writes whenever the optime or the list moves. */
  static ClusterStatus withRetainList(Cycle c, ClusterStatus status) {
    return new ClusterStatus(status.optime(), status.slots(), retainList(c));
  }

  private static Set<String> streamingFromMe(Cycle c, boolean leading) {
    Set<String> out = new TreeSet<>();
    for (Member m : c.cluster.members()) {
      if (m.name().equals(c.me) || m.version() == -1 || m.status().tags().noStream()) {
        continue;
      }
      Optional<String> from = m.status().tags().replicateFrom().filter(r -> c.member(r).isPresent());
      boolean fromMe = from.map(c.me::equals).orElse(false);
      if (fromMe || (leading && from.isEmpty())) {
        out.add(m.name());
      }
    }
    return out;
  }

  /**
   * Members that are away whose slots stay, with since when: those this server kept before and the ones
   * the last leader listed (for a new leader), until {@code member_slots_ttl} after first seen away.
   */
  private static Map<String, Instant> retained(Cycle c, boolean leading, Set<String> streaming) {
    Set<String> candidates = new TreeSet<>(c.memory.slots().applied().orElse(Set.of()));
    if (leading) {
      candidates.addAll(c.cluster.status().retainSlots());
    }
    Duration ttl = c.dcs().memberSlotsTtl();
    Map<String, Instant> out = new HashMap<>();
    for (String name : candidates) {
      if (name.equals(c.me) || streaming.contains(name) || c.member(name).isPresent()) {
        continue;
      }
      Instant since = c.memory.slots().retainedSince().getOrDefault(name, c.now);
      if (c.now.isBefore(since.plus(ttl))) {
        out.put(name, since);
      }
    }
    return out;
  }
}
