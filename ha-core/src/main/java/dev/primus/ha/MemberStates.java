package dev.primus.ha;

import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import java.util.Optional;

/**
 * How a member names what it is and what it is doing — in its member key, which the engine writes, and in
 * the status an agent reports when no member key could be written this cycle (the DCS is unreachable):
 * one rule for both.
 */
public final class MemberStates {
  private MemberStates() {}

  /** The long action in progress names it best, else the server process. */
  public static MemberState state(LocalState local, Optional<InProgress> running) {
    if (running.isPresent()) {
      Action a = running.get().action();
      if (a instanceof Action.Bootstrap) {
        return MemberState.INITIALIZING;
      }
      if (a instanceof Action.CreateReplica || a instanceof Action.Reinitialize) {
        return MemberState.CREATING_REPLICA;
      }
      if (a instanceof Action.Rewind) {
        return MemberState.REWINDING;
      }
      if (a instanceof Action.RestartDatabase) {
        return MemberState.RESTARTING;
      }
    }
    return switch (local.process()) {
      case RUNNING -> MemberState.RUNNING;
      case STARTING -> MemberState.STARTING;
      case STOPPING -> MemberState.STOPPING;
      case CRASHED -> MemberState.CRASHED;
      case STOPPED -> MemberState.STOPPED;
    };
  }

  /**
   * {@code uninitialized} unless the data directory is {@code usable} (initialized, and of this cluster),
   * else the server's role, a replica when it is not known.
   */
  public static MemberRole role(LocalState local, boolean usable) {
    if (!usable) {
      return MemberRole.UNINITIALIZED;
    }
    return local.role().orElse(DatabaseRole.REPLICA) == DatabaseRole.PRIMARY ? MemberRole.PRIMARY : MemberRole.REPLICA;
  }
}
