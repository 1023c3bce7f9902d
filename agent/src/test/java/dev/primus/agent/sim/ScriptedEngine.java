package dev.primus.agent.sim;

import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.Tags;
import dev.primus.ha.Action;
import dev.primus.ha.AgentMemory;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.Decision;
import dev.primus.ha.HaConfig;
import dev.primus.ha.LocalState;
import dev.primus.ha.Observation;
import dev.primus.ha.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A fixed-role stand-in for the engine, for testing the simulator's own machinery (faults, watchdog,
 * executor) independently of the real engine's choices: {@code pg0} bootstraps and leads, holding the
 * lock and petting the watchdog; the others clone from it and follow. It never fails over, so it is no
 * use for the invariants, only for the plumbing.
 */
final class ScriptedEngine implements Engine {
  static final String LEADER = "pg0";

  @Override
  public Decision decide(Observation o, AgentMemory memory, HaConfig config, Instant now) {
    String me = config.name();
    LocalState local = o.local();
    List<Action> actions = new ArrayList<>();
    Duration loop = o.cluster().config().map(c -> c.value().loopWait()).orElse(config.bootstrapDcs().loopWait());
    if (!o.cluster().connection().isConnected()) {
      return decision(actions, Reason.DCS_UNREACHABLE, me, loop);
    }
    boolean busy = o.inProgress().isPresent();
    if (me.equals(LEADER)) {
      if (o.cluster().leader().isEmpty()) {
        actions.add(new Action.AcquireLeaderLock());
      } else if (o.cluster().isLockedBy(me)) {
        actions.add(new Action.RenewLeaderLock());
        if (o.cluster().config().isEmpty()) {
          actions.add(new Action.WriteConfig(config.bootstrapDcs(), Optional.empty()));
        }
        if (o.cluster().initialize().isEmpty() && local.systemIdentifier().isPresent()) {
          actions.add(new Action.WriteInitialize(local.systemIdentifier().get(), Optional.empty()));
        }
      }
      if (local.isRunningPrimary()) {
        actions.add(memory.watchdogActive() ? new Action.KeepaliveWatchdog() : new Action.ActivateWatchdog());
      } else if (!busy && local.dataDirectory() == LocalState.DataDirectoryState.EMPTY) {
        actions.add(new Action.Bootstrap());
      } else if (!busy && !local.isRunning()) {
        actions.add(new Action.StartDatabase(DatabaseRole.PRIMARY, Optional.empty()));
      }
    } else if (!busy && local.dataDirectory() == LocalState.DataDirectoryState.EMPTY) {
      if (o.cluster().isLockedBy(LEADER)) {
        actions.add(new Action.CreateReplica(LEADER));
      }
    } else if (!busy && !local.isRunning()) {
      actions.add(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of(LEADER)));
    }
    actions.add(0, new Action.TouchMember(status(config, local)));
    return decision(actions, Reason.FOLLOWING, me, loop);
  }

  private static Decision decision(List<Action> actions, Reason reason, String me, Duration loop) {
    return new Decision(actions, reason, me, Optional.of(LEADER), loop);
  }

  static MemberStatus status(HaConfig config, LocalState local) {
    return new MemberStatus(config.connUrl(), config.apiUrl(),
        local.isRunning() ? MemberState.RUNNING : MemberState.STOPPED,
        local.isRunningPrimary() ? MemberRole.PRIMARY : MemberRole.REPLICA,
        Optional.of(config.agentVersion()), Optional.of(local.walPosition()), local.timeline(), Optional.empty(),
        Optional.empty(), Optional.empty(), Tags.NONE, false, Map.of(), Optional.empty(), Optional.empty(), false,
        Map.of());
  }
}
