package dev.primus.ha;

import java.util.Optional;

/**
 * The database's parameters follow the configuration: the local {@code postgresql.parameters} with those
 * of the DCS config laid over them ({@link HaConfig#localParameters()}, {@code config.postgresql.parameters}).
 * When that set differs from the one last applied, it is handed to the driver, which rewrites its
 * configuration and reloads (a parameter that needs a restart shows up as a pending restart). Patroni does
 * this whenever the {@code config} key changes, and on {@code reload}.
 *
 * <p>Once after the agent starts, too: the driver was built from a configuration that may have changed
 * since. A set the driver refused is not tried again until it changes; an operator's reload tries again.
 * Never while a long action runs (the driver takes one mutating call at a time), and only with a data
 * directory to configure.
 */
final class Parameters {
  private Parameters() {}

  /**
   * The parameters in effect by configuration: the DCS config's, over the local ones; with
   * {@code hot_standby_feedback} on where permanent logical slots need it, over both, as Patroni forces it
   * ({@link Slots#forceHotStandbyFeedback}).
   */
  static ParameterSet wanted(Cycle c) {
    java.util.Map<String, Object> dynamic = c.dcs().postgresqlParameters();
    if (Slots.forceHotStandbyFeedback(c) && !"on".equals(String.valueOf(dynamic.get("hot_standby_feedback")))) {
      java.util.Map<String, Object> forced = new java.util.LinkedHashMap<>(dynamic);
      forced.put("hot_standby_feedback", "on");
      dynamic = forced;
    }
    return new ParameterSet(dynamic, c.config.localParameters());
  }

  /** The {@link Action.ApplyParameters} this cycle calls for, if any. */
  static Optional<Action> maintain(Cycle c, Plan plan) {
    if (!c.connected() || !idle(c, plan)) {
      return Optional.empty();
    }
    ParameterSet wanted = wanted(c);
    boolean applied = c.memory.parametersApplied().map(wanted::equals).orElse(false);
    boolean refused = c.memory.parametersRefused().map(wanted::equals).orElse(false);
    if (applied || refused) {
      return Optional.empty();
    }
    boolean first = c.memory.parametersApplied().isEmpty();
    return Optional.of(new Action.ApplyParameters(wanted, Optional.empty(), !first));
  }

  /** Nothing runs or starts that holds the driver, and the data directory is there to configure. */
  static boolean idle(Cycle c, Plan plan) {
    return c.obs.inProgress().isEmpty() && !plan.startsLongAction()
        && c.local.dataDirectory() == LocalState.DataDirectoryState.INITIALIZED;
  }
}
