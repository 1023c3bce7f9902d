/**
 * The pure decision engine.
 *
 * <p>One HA cycle is {@code observe → decide → act}. Observation ({@link dev.primus.ha.Observation}: the
 * cluster as the DCS holds it, the local database as the driver probed it, peers' answers when a leader
 * race needs them) and the current time go in; a {@link dev.primus.ha.Decision} (ordered
 * {@link dev.primus.ha.Action}s, a {@link dev.primus.ha.Reason}, when to look again) comes out. The
 * engine does no I/O, starts no thread and reads no clock: the runner (or an embedder, or the
 * simulator) executes the actions and feeds their outcomes back through
 * {@link dev.primus.ha.AgentMemory}.
 *
 * <p>The entry point is {@link dev.primus.ha.HaEngine#decide}. Behind it, small package-private classes
 * each own one part of Patroni's HA loop: {@code LockSafety} (a primary whose lock is in doubt stops
 * taking writes), {@code DcsUnreachable}, {@code LongActions}, {@code DataDirectory} (bootstrap, clone,
 * adopt, refuse), {@code Recovery} (a stopped database), {@code Leading}, {@code Following},
 * {@code LeaderRace} with {@code CandidateRanking}, {@code ManualFailover} with
 * {@code FailoverCandidates}, {@code Divergence}, {@code HistoryUpdate} and {@code MemberStatusBuilder};
 * {@code Plan} assembles what every decision shares (member key, watchdog, recheck).
 */
package dev.primus.ha;
