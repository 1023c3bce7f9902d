package dev.primus.ha;

import dev.primus.dcs.model.ClusterView;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The HA decision: one observation, the agent's memory, its settings and the time in; the actions to
 * run, why, and when to look again out. Pure: no I/O, no threads, no clock (the {@code now} argument is
 * the only time), no randomness, so the same inputs always give the same decision.
 *
 * <p>The cycle follows Patroni's HA loop ({@code patroni/ha.py}, {@code _run_cycle}), as a list of
 * steps in order; the first that applies decides:
 * <ol>
 *   <li>the DCS is unreachable: a primary demotes {@code offline}, the others wait ({@link DcsUnreachable});
 *   <li>a running primary whose lock is in doubt stops taking writes ({@link LockSafety});
 *   <li>a failed bootstrap is cleaned up ({@link DataDirectory#afterFailedBootstrap});
 *   <li>a long action in progress: renew the lock, start nothing new ({@link LongActions});
 *   <li>a demotion's stop is done: the shutdown checkpoint, the lock, the start as a replica ({@link Demotions});
 *   <li>the DCS config asks for a standby cluster and nobody holds the lock: nobody bootstraps or races
 *       ({@link UnsupportedConfig});
 *   <li>the data directory: bootstrap, clone, adopt, refuse ({@link DataDirectory#check});
 *   <li>the database is down: restart the crashed primary, or rejoin as a replica ({@link Recovery});
 *   <li>I hold the lock: renew, promote, switchover, status and history ({@link Leading});
 *   <li>somebody else holds it: follow ({@link Following});
 *   <li>nobody holds it: the leader race ({@link LeaderRace}).
 * </ol>
 * Every decision made with the DCS reachable ends by refreshing this member's key. Then the database's
 * housekeeping ({@link Parameters}; {@link Slots} in the leading and following branches) and the operators'
 * requests ({@link Requests}) join the plan.
 */
public final class HaEngine {
  private HaEngine() {}

  private static final List<Function<Cycle, Optional<Plan>>> CONNECTED_STEPS = List.of(
      LockSafety::stopWritingIfLockInDoubt,
      DataDirectory::afterFailedBootstrap,
      LongActions::whileRunning,
      Demotions::finish,
      UnsupportedConfig::refuse,
      DataDirectory::check,
      Recovery::whenNotRunning,
      Leading::lead,
      Following::follow);

  /**
   * Decides one cycle.
   *
   * @param obs    what was observed this cycle
   * @param memory what the agent remembers from earlier cycles
   * @param config this member's settings
   * @param now    the current time, the only time the engine knows
   * @return the actions to run in order, the reason, and when to look again
   */
  public static Decision decide(Observation obs, AgentMemory memory, HaConfig config, Instant now) {
    Objects.requireNonNull(obs, "obs");
    Objects.requireNonNull(memory, "memory");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(now, "now");
    Cycle c = new Cycle(obs, memory, config, now);
    Plan plan = plan(c);
    if (c.connected()) {
      plan.housekeeping(Parameters.maintain(c, plan));
      Requests.apply(c, plan);
    } else {
      Requests.refuseWithoutDcs(c, plan);
    }
    return plan.decide(c);
  }

  private static Plan plan(Cycle c) {
    if (!c.connected()) {
      return DcsUnreachable.plan(c);
    }
    for (Function<Cycle, Optional<Plan>> step : CONNECTED_STEPS) {
      Optional<Plan> plan = step.apply(c);
      if (plan.isPresent()) {
        return plan.get();
      }
    }
    return LeaderRace.race(c);
  }

  /**
   * The timings this member runs with for {@code cluster}: those of the DCS {@code config} key, or of
   * {@code bootstrap.dcs} when the key is absent; when they break {@code loop_wait + 2*retry_timeout <= ttl},
   * the same {@code ttl} with this agent's own {@code loop_wait} and {@code retry_timeout} bounded
   * ({@link Timings#inEffect()}). Size the lease, the loop and every DCS wait with these, so that they agree
   * with the engine's idea of when the lock expires.
   */
  public static Timings effectiveTimings(ClusterView cluster, HaConfig config) {
    return Settings.of(Objects.requireNonNull(cluster, "cluster"), Objects.requireNonNull(config, "config")).timings();
  }

  /**
   * Why {@link #effectiveTimings} differ from the configured timings (they break
   * {@code loop_wait + 2*retry_timeout <= ttl}), naming the three keys and the values in effect; empty
   * when they do not. An agent logs it once per change, not every cycle.
   */
  public static java.util.Optional<String> timingsWarning(ClusterView cluster, HaConfig config) {
    return Settings.of(Objects.requireNonNull(cluster, "cluster"), Objects.requireNonNull(config, "config"))
        .timingsWarning();
  }
}
