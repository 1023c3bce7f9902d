/**
 * The deterministic simulator: N members, each a simulated host ({@link dev.primus.agent.sim.SimNode})
 * running the real agent ({@link dev.primus.agent.PrimusAgent}: its loop, its executor, the real
 * {@link dev.primus.ha.HaEngine#decide}) on a {@link dev.primus.agent.sim.SimRuntime} whose lanes, timers and
 * blocking calls run in virtual time, against the in-memory DCS through the real Patroni layout
 * ({@link dev.primus.dcs.layout.PatroniDcs}, one client per member) and a simulated PostgreSQL per member
 * ({@link dev.primus.agent.sim.SimDatabase}, as the agent's {@link dev.primus.agent.DatabaseOperations}), on
 * one virtual clock and one event queue ({@link dev.primus.agent.sim.Scheduler}), every random choice from
 * one {@code Random(seed)}. No thread sleeps; each schedule is single-threaded, so a seed replays event for
 * event.
 *
 * <p>Faults ({@link dev.primus.agent.sim.FaultInjector}) kill nodes, freeze agents, cut nodes off, take the
 * whole DCS down, crash databases, request switchovers and failovers, and pause the cluster. After every
 * event {@link dev.primus.agent.sim.InvariantChecker} checks DESIGN section 6 against the ground truth;
 * {@link dev.primus.agent.sim.AuditedStore} checks the CAS-protected keys write by write. One schedule in
 * three runs with {@code synchronous_mode} (half of them strict): the simulated primaries then
 * acknowledge a commit only once the standbys their {@code synchronous_standby_names} names have flushed
 * it, and the checker also requires that no promotion loses an acknowledged commit. A cycle that fails
 * on an exception, and a livelock (virtual time that stops moving), are violations too.
 *
 * <p>Run: {@code mvn -pl agent test -Dtest=SimulationTest} (2,000 schedules; prints
 * {@code simulation: <N> schedules, <H> simulated hours, <V> invariant violations}, then the same for
 * the schedules in synchronous mode and failsafe mode). Replay one:
 * {@code -Dprimus.sim.seed=<seed>}, add {@code -Dprimus.sim.minimize=true} to shrink it to the faults it
 * needs; change the count with {@code -Dprimus.sim.schedules=<N>}; {@code -Dprimus.agent.log=INFO} shows the
 * agents' own log lines.
 */
package dev.primus.agent.sim;
