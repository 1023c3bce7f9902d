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
    Map<String, Object> permanent = leading ? c.dcs().permanentSlots() : Map.of();

    AgentMemory.SlotBook book = c.memory.slots();
    boolean changed = !book.applied().map(wanted::equals).orElse(false)
        || !book.permanentApplied().equals(permanent)
        || !book.retainedSince().equals(retained);
    boolean due = book.appliedAt().map(t -> !c.now.isBefore(t.plus(REFRESH))).orElse(true);
    if (!changed && !due) {
      return Optional.empty();
    }
    return Optional.of(new Action.EnsureSlots(wanted, permanent, retained));
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
