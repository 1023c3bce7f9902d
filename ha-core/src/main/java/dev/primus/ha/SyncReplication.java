package dev.primus.ha;

import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.model.SynchronousMode;
import dev.primus.dcs.model.Versioned;
import dev.primus.ha.LocalState.ReplicaConnection;
import dev.primus.ha.LocalState.SynchronousStandbys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

/**
 * Synchronous replication ({@code synchronous_mode: on}, Patroni's {@code process_sync_replication}
 * without quorum commit): which standbys every commit waits for ({@code synchronous_standby_names},
 * SSN), and which of them the {@code sync} key names as promotable.
 *
 * <p>The safety rule everything here keeps: <em>every member that {@code sync} names as a synchronous
 * standby holds every commit acknowledged to a client</em>, so promoting any of them loses none (DESIGN
 * section 6, invariant 2). Three orders keep it:
 * <ul>
 *   <li>A standby goes into SSN first and into {@code sync} only later, once it is <em>confirmed</em>:
 *       {@code pg_stat_replication} reports it streaming and {@code sync}, and it has flushed the
 *       primary's position from when the new SSN took effect ({@link SynchronousStandbys#since()}).
 *       Commits acknowledged before then did not wait for it; from then on every commit does.</li>
 *   <li>A standby leaves {@code sync} first and SSN only after, in the same decision, the write first:
 *       if the CAS write fails the executor stops before SSN changes.</li>
 *   <li>A replica about to be promoted writes {@code sync} = itself with no standbys before the
 *       promotion (a CAS write; if it fails, no promotion): until it has confirmed standbys of its own,
 *       nobody else may be promoted after it, whatever the old key said.</li>
 * </ul>
 * SSN always lists exactly the standbys commits wait for ({@code FIRST n} with n = how many), so a
 * standby named in {@code sync} stays valid as long as SSN lists it, connected or not.
 *
 * <p>Standbys are picked from {@code pg_stat_replication} (members that run and are not tagged
 * {@code nosync}; those that may fail over before those that may not, current synchronous ones first,
 * then the most advanced), at most {@code synchronous_node_count}, skipping any more than
 * {@code maximum_lag_on_syncnode} bytes behind when that is positive. With none to pick, commits stop
 * waiting ({@code sync} then names none: no automatic failover), except with
 * {@code synchronous_mode_strict}: then SSN keeps the standbys {@code sync} names (commits wait for them
 * to return, and they stay promotable), or, when it names none, {@code *} (any standby that connects).
 *
 * <p>{@code synchronous_mode: off}: the primary deletes {@code sync} (CAS), then gives
 * {@code synchronous_standby_names} back to the user's configuration. {@code quorum} is not supported:
 * neither is touched, and the reason of every routine cycle says so ({@link Reason#SYNC_QUORUM_UNSUPPORTED}).
 */
final class SyncReplication {
  private SyncReplication() {}

  /** How long a primary waits at most before looking whether a new synchronous standby is confirmed. */
  static final Duration CONFIRM_RECHECK = Duration.ofSeconds(2);

  /**
   * The primary's synchronous replication actions of this cycle, in the order they must run.
   *
   * @param actions       the actions
   * @param recheck       look again this soon (a standby was added to SSN, or awaits confirmation)
   * @param noSyncStandby strict mode and no standby to wait for: commits wait for one to connect
   */
  record Step(List<Action> actions, Optional<Duration> recheck, boolean noSyncStandby) {
    static final Step NONE = new Step(List.of(), Optional.empty(), false);

    Step {
      actions = List.copyOf(actions);
    }
  }

  /** What SSN should be: every commit waits for all of {@code members}. */
  private record Target(List<String> members) {
    int count() {
      return members.isEmpty() ? 0 : members.size();
    }

    Action set() {
      return new Action.SetSynchronousStandbys(members, count());
    }
  }

  // ================================================================= the primary, every cycle

  /** For a primary that holds the lock and runs: keep SSN and {@code sync} right for the configured mode. */
  static Step onPrimary(Cycle c) {
    SynchronousMode mode = c.syncMode();
    if (mode == SynchronousMode.OFF) {
      return off(c);
    }
    if (mode == SynchronousMode.QUORUM) {
      return Step.NONE;
    }
    return on(c);
  }

  private static Step off(Cycle c) {
    List<Action> actions = new ArrayList<>();
    c.cluster.sync().ifPresent(s -> actions.add(new Action.DeleteSyncState(s.version())));
    if (c.local.synchronousStandbys().map(SynchronousStandbys::managed).orElse(false)) {
      actions.add(new Action.ClearSynchronousStandbys());
    }
    return new Step(actions, Optional.empty(), false);
  }

  private static Step on(Cycle c) {
    boolean strict = c.dcs().synchronousModeStrict();
    Optional<Versioned<SyncState>> sync = c.cluster.sync();
    boolean mine = sync.flatMap(s -> s.value().leader()).filter(c.me::equals).isPresent();
    List<String> voters = mine ? sync.get().value().syncStandbys() : List.of();
    Optional<SynchronousStandbys> current = c.local.synchronousStandbys();
    List<String> picked = pick(c);
    Target target = target(picked, voters, strict);
    boolean noSyncStandby = strict && picked.isEmpty();

    List<Action> actions = new ArrayList<>();
    if (!mine) {
      // The key is missing, or names another leader (its standbys were that leader's): claim it with no
      // standby first. The standbys follow once confirmed, against the version this write creates.
      actions.add(write(c, List.of(), syncVersion(c)));
      if (current.isPresent() && !matches(current.get(), target)) {
        actions.add(target.set());
        return new Step(actions, Optional.of(c.soon()), noSyncStandby);
      }
      return new Step(actions, Optional.empty(), noSyncStandby);
    }
    long version = sync.get().version();
    if (current.isEmpty()) {
      // The probe could not read what commits wait for (Patroni: "Error communicating with PostgreSQL").
      // Only Primus changes it, and it did not, so the key still holds; nobody new can be confirmed.
      return new Step(actions, Optional.empty(), noSyncStandby);
    }
    SynchronousStandbys ssn = current.get();
    if (!matches(ssn, target)) {
      // Shrink first: keep only the standbys the old SSN required and the new one still will.
      List<String> common = voters.stream().filter(v -> requires(ssn, v) && containsName(target.members(), v)).toList();
      if (!sameNames(common, voters)) {
        actions.add(write(c, common, Optional.of(version)));
      }
      actions.add(target.set());
      return new Step(actions, Optional.of(c.soon()), noSyncStandby);
    }
    // SSN is what it should be: name the standbys it requires that are either named already (they have
    // every commit since) or confirmed now.
    List<String> next = new ArrayList<>();
    boolean pending = false;
    for (String m : target.members()) {
      if (m.equals(SynchronousStandbys.ANY)) {
        continue;
      }
      if (containsName(voters, m) || confirmed(c, ssn, m)) {
        next.add(canonical(c, m));
      } else {
        pending = true;
      }
    }
    if (!sameNames(next, voters)) {
      actions.add(write(c, next, Optional.of(version)));
    }
    Optional<Duration> recheck = pending
        ? Optional.of(CONFIRM_RECHECK.compareTo(c.loopWait()) < 0 ? CONFIRM_RECHECK : c.loopWait())
        : Optional.empty();
    return new Step(actions, recheck, noSyncStandby);
  }

  /**
   * SSN wanted: the picked standbys; with none, strict mode keeps those {@code sync} names (commits
   * wait for them to come back, and they stay promotable) or waits for any standby; otherwise none.
   */
  private static Target target(List<String> picked, List<String> voters, boolean strict) {
    if (!picked.isEmpty()) {
      return new Target(sorted(picked));
    }
    if (strict) {
      return new Target(voters.isEmpty() ? List.of(SynchronousStandbys.ANY) : sorted(voters));
    }
    return new Target(List.of());
  }

  /**
   * The standbys to wait for, best first (Patroni's {@code current_state}): connected members that run and
   * may be synchronous; those that may fail over first, then those synchronous already (so the choice
   * does not flap), then the most advanced; at most {@code synchronous_node_count}, skipping any further
   * than {@code maximum_lag_on_syncnode} behind the most advanced (or behind me, with one standby).
   */
  static List<String> pick(Cycle c) {
    record Candidate(String name, ReplicaConnection row, boolean canFailover) {}
    List<Candidate> all = new ArrayList<>();
    for (ReplicaConnection r : c.local.replicas()) {
      if (!r.streaming()) {
        continue;
      }
      Optional<Member> m = memberByName(c, r.applicationName());
      if (m.isEmpty() || m.get().name().equals(c.me) || m.get().status().state() != MemberState.RUNNING
          || m.get().status().tags().noSync() || all.stream().anyMatch(x -> x.name().equals(m.get().name()))) {
        continue;
      }
      all.add(new Candidate(m.get().name(), r, m.get().status().tags().canFailover()));
    }
    ToLongFunction<ReplicaConnection> position = lagMeasuredOn(c);
    all.sort(Comparator.comparing((Candidate x) -> !x.canFailover())
        .thenComparing(x -> !x.row().synchronous())
        .thenComparing(x -> -position.applyAsLong(x.row()))
        .thenComparing(Candidate::name));
    long maxLag = c.dcs().maximumLagOnSyncnode();
    long newest = all.size() > 1 ? all.stream().mapToLong(x -> position.applyAsLong(x.row())).max().orElse(0)
        : c.local.walPosition();
    int wanted = Math.max(1, c.dcs().synchronousNodeCount());
    List<String> out = new ArrayList<>();
    for (Candidate x : all) {
      if (out.size() >= wanted) {
        break;
      }
      if (maxLag <= 0 || newest - position.applyAsLong(x.row()) <= maxLag) {
        out.add(x.name());
      }
    }
    return out;
  }

  /**
   * Which standby position ranks candidates and measures {@code maximum_lag_on_syncnode}: what a commit
   * waits for. Under {@code synchronous_commit: remote_apply} that is replay (a standby whose replay is
   * paused holds every commit up, so it must drop out however current its flush), as Patroni measures it;
   * otherwise flush ({@code remote_write} would be the write position, which the rows do not carry: flush
   * is at most as far, so the rule only gets stricter).
   */
  static ToLongFunction<ReplicaConnection> lagMeasuredOn(Cycle c) {
    Object commit = Parameters.wanted(c).merged().get("synchronous_commit");
    return commit != null && "remote_apply".equalsIgnoreCase(String.valueOf(commit).trim())
        ? ReplicaConnection::replayLsn
        : ReplicaConnection::flushLsn;
  }

  /**
   * {@code m} may be named in {@code sync}: SSN requires it, it streams and the server reports it
   * synchronous, and it has flushed everything the primary had when this SSN took effect (commits
   * acknowledged before then did not wait for it).
   */
  private static boolean confirmed(Cycle c, SynchronousStandbys ssn, String m) {
    if (!requires(ssn, m)) {
      return false;
    }
    return row(c, m).filter(r -> r.streaming() && r.synchronous() && r.flushLsn() >= ssn.since()).isPresent();
  }

  /** SSN makes every commit wait for {@code name}: listed by name, and every listed standby is waited for. */
  private static boolean requires(SynchronousStandbys ssn, String name) {
    return !ssn.quorum() && ssn.lists(name) && ssn.count() >= ssn.members().size();
  }

  /** SSN is exactly {@code target}, and set by Primus (a user's value is replaced). */
  private static boolean matches(SynchronousStandbys ssn, Target target) {
    return ssn.managed() && !ssn.quorum() && ssn.count() == target.count() && sameNames(ssn.members(), target.members());
  }

  // ================================================================= before a promotion

  /**
   * What goes right before this replica's {@link Action.Promote}, after the lock was taken or renewed:
   * in synchronous mode, {@code sync} = me with no standby (CAS; its failure stops the promotion, as
   * Patroni postpones it) and SSN as a new primary without standbys needs it (strict: {@code *}, so no
   * commit is acknowledged before a standby has it); synchronous mode off: the user's SSN back.
   */
  static List<Action> beforePromote(Cycle c) {
    SynchronousMode mode = c.syncMode();
    Optional<SynchronousStandbys> current = c.local.synchronousStandbys();
    if (mode == SynchronousMode.OFF) {
      return current.map(SynchronousStandbys::managed).orElse(false)
          ? List.of(new Action.ClearSynchronousStandbys()) : List.of();
    }
    if (mode == SynchronousMode.QUORUM) {
      return List.of();
    }
    List<Action> actions = new ArrayList<>();
    actions.add(write(c, List.of(), syncVersion(c)));
    Target target = c.dcs().synchronousModeStrict() ? new Target(List.of(SynchronousStandbys.ANY)) : new Target(List.of());
    if (current.isEmpty() || !matches(current.get(), target)) {
      actions.add(target.set());
    }
    return actions;
  }

  // ================================================================= helpers

  private static Action write(Cycle c, List<String> standbys, Optional<Long> version) {
    return new Action.WriteSyncState(new SyncState(Optional.of(c.me), 0, sorted(standbys)), version);
  }

  /** The version to CAS {@code sync} on: the decoded key's, or an undecodable one's (overwritten), or none (create). */
  private static Optional<Long> syncVersion(Cycle c) {
    if (c.cluster.sync().isPresent()) {
      return Optional.of(c.cluster.sync().get().version());
    }
    return c.cluster.invalid().stream()
        .filter(i -> i.key().endsWith("/sync"))
        .map(i -> i.version())
        .findFirst();
  }

  private static Optional<ReplicaConnection> row(Cycle c, String member) {
    return c.local.replicas().stream().filter(r -> r.applicationName().equalsIgnoreCase(member)).findFirst();
  }

  /** Application names compare without case, as PostgreSQL and Patroni compare them. */
  private static Optional<Member> memberByName(Cycle c, String applicationName) {
    Optional<Member> exact = c.member(applicationName);
    if (exact.isPresent()) {
      return exact;
    }
    return c.cluster.members().stream().filter(m -> m.name().equalsIgnoreCase(applicationName)).findFirst();
  }

  /** The member's own spelling of a name from SSN. */
  private static String canonical(Cycle c, String name) {
    return memberByName(c, name).map(Member::name).orElse(name);
  }

  private static boolean containsName(List<String> names, String name) {
    return names.stream().anyMatch(n -> n.equalsIgnoreCase(name));
  }

  private static boolean sameNames(List<String> a, List<String> b) {
    return lower(a).equals(lower(b));
  }

  private static TreeSet<String> lower(List<String> names) {
    TreeSet<String> s = new TreeSet<>();
    names.forEach(n -> s.add(n.toLowerCase(Locale.ROOT)));
    return s;
  }

  private static List<String> sorted(List<String> names) {
    return names.stream().sorted().toList();
  }
}
