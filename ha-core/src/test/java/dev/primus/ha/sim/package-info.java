/**
 * The deterministic simulator: N members, each running the real {@link dev.primus.ha.HaEngine#decide}
 * through a simulated runner ({@link dev.primus.ha.sim.SimAgent}) against the in-memory DCS through the
 * real Patroni layout ({@link dev.primus.dcs.layout.PatroniDcs}, one client per member) and a simulated
 * PostgreSQL per member ({@link dev.primus.ha.sim.SimDatabase}), on one virtual clock and one event
 * queue ({@link dev.primus.ha.sim.Scheduler}), every random choice from one {@code Random(seed)}.
 * No thread sleeps; each schedule is single-threaded, so a seed replays event for event.
 *
 * <p>Faults ({@link dev.primus.ha.sim.FaultInjector}) kill nodes, freeze agents, cut nodes off, take the
 * whole DCS down, crash databases, request switchovers and failovers, and pause the cluster. After every
 * event {@link dev.primus.ha.sim.InvariantChecker} checks DESIGN section 6 against the ground truth;
 * {@link dev.primus.ha.sim.AuditedStore} checks the CAS-protected keys write by write. One schedule in
 * three runs with {@code synchronous_mode} (half of them strict): the simulated primaries then
 * acknowledge a commit only once the standbys their {@code synchronous_standby_names} names have flushed
 * it, and the checker also requires that no promotion loses an acknowledged commit.
 *
 * <p>Run: {@code mvn -o -pl ha-core test -Dtest=SimulationTest} (2,000 schedules; prints
 * {@code simulation: <N> schedules, <H> simulated hours, <V> invariant violations}, then the same for
 * the schedules in synchronous mode). Replay one:
 * {@code -Dprimus.sim.seed=<seed>}, add {@code -Dprimus.sim.minimize=true} to shrink it to the faults it
 * needs; change the count with {@code -Dprimus.sim.schedules=<N>}.
 */
package dev.primus.ha.sim;
