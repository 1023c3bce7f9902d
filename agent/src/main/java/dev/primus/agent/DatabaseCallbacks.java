package dev.primus.agent;

import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.PatroniDialect;
import dev.primus.ha.Action;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.DemoteMode;
import dev.primus.ha.LocalState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * When the operator's scripts run, from what the executor did to the database: Patroni's
 * {@code postgresql.callbacks} and {@code pre_promote}, decided here and run by a {@link ScriptRunner}.
 * Each callback gets {@code <event> <role> <scope>} after the configured command's own words; the role is
 * {@code replica}, {@code demoted} and, for the primary, the word of the Patroni the member speaks as
 * ({@link PatroniDialect}: {@code master} for 3.x, {@code primary} for 4), so a script written for the
 * cluster's Patroni keeps matching.
 *
 * <ul>
 *   <li>{@code on_start}: a start succeeded in the role announced last, or in the first role at all; after a
 *       bootstrap (as primary); on the first cycle that finds the server already running (the agent started
 *       while PostgreSQL ran).
 *   <li>{@code on_role_change}: a promotion succeeded; a start succeeded in another role than the one last
 *       announced (after a demotion, or a crashed primary coming back as a replica) instead of
 *       {@code on_start}.
 *   <li>{@code on_stop}: a server that ran was stopped (a stop, a demotion, before a reinitialization, at
 *       shutdown). A demotion that gives the lock up names the role {@code demoted}, as Patroni does once
 *       it released the lock at the shutdown checkpoint.
 *   <li>{@code on_restart}: a restart succeeded.
 *   <li>{@code on_reload}: the configuration was reloaded into a running server (a reload, new parameters,
 *       a running replica pointed at a new upstream).
 *   <li>{@code pre_promote}: before a promotion of a server in recovery, waited for; anything but exit code 0
 *       fails the promotion, and the engine then gives the lock up and does not race again within ttl.
 * </ul>
 *
 * Nothing runs for a failed action. The role announced last is remembered even when no script is
 * configured for the event, as Patroni does. Thread-safe: the loop thread and the long-action thread
 * both report here.
 */
final class DatabaseCallbacks {
  private final Supplier<CallbackScripts> config;
  private final Supplier<String> scope;
  private final ScriptRunner runner;
  private final Supplier<PatroniDialect> dialect;

  private Optional<Role> announced = Optional.empty();
  private LocalState lastSeen = LocalState.empty();

  /** The role names scripts get. */
  enum Role {
    PRIMARY("primary"),
    REPLICA("replica"),
    DEMOTED("demoted");

    final String wire;

    Role(String wire) {
      this.wire = wire;
    }

    static Role of(DatabaseRole r) {
      return r == DatabaseRole.PRIMARY ? PRIMARY : REPLICA;
    }

    static Role of(LocalState s) {
      return s.role().map(Role::of).orElse(REPLICA);
    }
  }

  /**
   * @param config the scripts and their timeout, read at every event (a reload may change them)
   * @param scope  the cluster name, the scripts' last argument
   * @param runner runs them
   * @param dialect the Patroni the member speaks as, read at every event (a reconfiguration may change it)
   */
  DatabaseCallbacks(Supplier<CallbackScripts> config, Supplier<String> scope, ScriptRunner runner,
      Supplier<PatroniDialect> dialect) {
    this.config = Objects.requireNonNull(config, "config");
    this.scope = Objects.requireNonNull(scope, "scope");
    this.runner = Objects.requireNonNull(runner, "runner");
    this.dialect = Objects.requireNonNull(dialect, "dialect");
  }

  /** No scripts at all. */
  static DatabaseCallbacks none() {
    return new DatabaseCallbacks(() -> CallbackScripts.NONE, () -> "", new ScriptRunner() {
      @Override
      public void launch(Script script) {
      }

      @Override
      public Outcome run(Script script) {
        return new Outcome.Exited(0);
      }
    }, () -> PatroniDialect.V4);
  }

  /** Whether any script is configured; only then is the server looked at before each long action. */
  boolean active() {
    CallbackScripts c = config.get();
    return c.onStart().isPresent() || c.onStop().isPresent() || c.onRestart().isPresent()
        || c.onReload().isPresent() || c.onRoleChange().isPresent() || c.prePromote().isPresent();
  }

  /** The role the scripts were last told about, if any. */
  synchronized Optional<Role> announced() {
    return announced;
  }

  /**
   * A long action ended ({@link Action.Demote} excepted: see {@link #demoteStopped}).
   *
   * @param before the server as probed just before the action, when {@link #active()}
   */
  synchronized void afterLong(Action a, ActionOutcome outcome, Optional<LocalState> before) {
    if (!outcome.succeeded()) {
      return;
    }
    if (a instanceof Action.Bootstrap) {
      announce(CallbackEvent.ON_START, Role.PRIMARY);
    } else if (a instanceof Action.StartDatabase s) {
      started(Role.of(s.role()));
    } else if (a instanceof Action.StopDatabase) {
      if (hadPostmaster(before)) {
        fire(CallbackEvent.ON_STOP, Role.of(before.get()));
      }
    } else if (a instanceof Action.RestartDatabase) {
      announce(CallbackEvent.ON_RESTART, before.map(Role::of).or(() -> announced).orElse(Role.REPLICA));
    } else if (a instanceof Action.Promote) {
      if (before.isEmpty() || before.get().role().orElse(null) != DatabaseRole.PRIMARY) {
        announce(CallbackEvent.ON_ROLE_CHANGE, Role.PRIMARY);
      }
    } else if (a instanceof Action.Follow) {
      if (before.map(LocalState::isRunning).orElse(false)) {
        fire(CallbackEvent.ON_RELOAD, Role.REPLICA);
      }
    } else if (a instanceof Action.Reinitialize) {
      if (hadPostmaster(before)) {
        fire(CallbackEvent.ON_STOP, Role.of(before.get()));
      }
      announced = Optional.empty();
    } else if (a instanceof Action.CreateReplica) {
      // A new data directory: its first start is an on_start, whatever ran here before.
      announced = Optional.empty();
    }
  }

  /** The stop of a demotion succeeded; the restart as a replica, if any, reports as a start. */
  synchronized void demoteStopped(DemoteMode mode, Optional<LocalState> before) {
    if (hadPostmaster(before)) {
      fire(CallbackEvent.ON_STOP, mode.releasesLock() ? Role.DEMOTED : Role.PRIMARY);
    }
    announced = Optional.of(Role.DEMOTED);
  }

  /** The configuration was reloaded into the server, if it runs (as the loop's last probe saw it). */
  synchronized void reloaded() {
    if (lastSeen.isRunning()) {
      fire(CallbackEvent.ON_RELOAD, Role.of(lastSeen));
    }
  }

  /** The agent stopped the server at shutdown. */
  synchronized void stoppedAtShutdown(LocalState before) {
    if (hadPostmaster(Optional.of(before))) {
      fire(CallbackEvent.ON_STOP, Role.of(before));
    }
  }

  /**
   * The loop's probe of this cycle. A server found running before the scripts were told about any role (the
   * agent started while PostgreSQL ran) gets its {@code on_start}, as in Patroni.
   *
   * @param busy a long action was running when the probe started (its end reports for itself)
   */
  synchronized void observed(LocalState local, boolean busy) {
    lastSeen = local;
    if (announced.isEmpty() && !busy && local.isRunning()) {
      announce(CallbackEvent.ON_START, Role.of(local));
    }
  }

  /**
   * Whether a promotion of the server {@code before} describes runs {@code pre_promote} first: it is
   * configured and the server is not a primary already (then the promotion does nothing, as in Patroni).
   */
  boolean prePromoteRunsFor(Optional<LocalState> before) {
    return config.get().prePromote().isPresent() && !before.map(LocalState::isRunningPrimary).orElse(false);
  }

  /**
   * Runs {@code pre_promote}, if configured, and waits for it (within the timeout).
   *
   * @return why the promotion must not go ahead, or empty if it may
   */
  Optional<String> prePromote() {
    CallbackScripts c = config.get();
    if (c.prePromote().isEmpty()) {
      return Optional.empty();
    }
    ScriptRunner.Outcome o = runner.run(new ScriptRunner.Script("pre_promote", CommandWords.split(c.prePromote().get()),
        c.timeout()));
    if (o instanceof ScriptRunner.Outcome.Exited e) {
      return e.code() == 0 ? Optional.empty() : Optional.of("the pre_promote script exited with code " + e.code());
    }
    if (o instanceof ScriptRunner.Outcome.TimedOut t) {
      return Optional.of("the pre_promote script ran longer than " + t.timeout().toSeconds() + " s and was killed");
    }
    return Optional.of("the pre_promote script could not run: " + ((ScriptRunner.Outcome.NotRun) o).why());
  }

  private void started(Role role) {
    boolean changed = announced.isPresent() && announced.get() != role;
    announce(changed ? CallbackEvent.ON_ROLE_CHANGE : CallbackEvent.ON_START, role);
  }

  private void announce(CallbackEvent event, Role role) {
    announced = Optional.of(role);
    fire(event, role);
  }

  private void fire(CallbackEvent event, Role role) {
    CallbackScripts c = config.get();
    Optional<String> command = switch (event) {
      case ON_START -> c.onStart();
      case ON_STOP -> c.onStop();
      case ON_RESTART -> c.onRestart();
      case ON_RELOAD -> c.onReload();
      case ON_ROLE_CHANGE -> c.onRoleChange();
    };
    if (command.isEmpty()) {
      return;
    }
    List<String> argv = new ArrayList<>(CommandWords.split(command.get()));
    argv.add(event.wire());
    argv.add(role == Role.PRIMARY ? dialect.get().roleName(MemberRole.PRIMARY) : role.wire);
    argv.add(scope.get());
    runner.launch(new ScriptRunner.Script(event.wire(), argv, c.timeout()));
  }

  private static boolean hadPostmaster(Optional<LocalState> before) {
    return before.map(s -> s.process() == LocalState.ProcessState.RUNNING
        || s.process() == LocalState.ProcessState.STARTING || s.process() == LocalState.ProcessState.STOPPING)
        .orElse(false);
  }
}
