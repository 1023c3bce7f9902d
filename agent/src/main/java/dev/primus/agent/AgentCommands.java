package dev.primus.agent;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.WriteResult;
import dev.primus.ha.FailsafeNotice;
import dev.primus.ha.RestartRequest;
import dev.primus.ha.SwitchoverRequest;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;

/**
 * What an operator (through the REST API, {@code ctl}, or an embedding control plane) can ask of an agent.
 * Each command is a request the agent's engine decides on, or a DCS write the engine then acts on; none
 * changes the database behind the engine's back.
 *
 * <p>Methods returning a stage do not block; the others block the calling thread for one DCS round trip
 * at most. Callable from any thread except the agent's own lane (an {@link AgentListener}).
 */
public interface AgentCommands {

  /**
   * A switchover or failover: checked against the cluster and the candidates' own answers
   * ({@link dev.primus.ha.SwitchoverCheck}), written to the {@code failover} key by CAS, then for an
   * immediate one followed until the leader changes, the leader clears the key without changing
   * (refused), or {@code 2 * max(10 s, loop_wait)} passes (Patroni's bound).
   */
  CompletionStage<SwitchoverResult> switchover(SwitchoverRequest request);

  /** Restarts the database now, or at the request's schedule, if its conditions hold then. */
  CompletionStage<RestartResult> restart(RestartRequest request);

  /** Drops the scheduled restart; false if none was scheduled. */
  boolean cancelScheduledRestart();

  /**
   * Rebuilds this replica's data directory from the leader (or a running {@code clonefrom} member).
   * Completes once the rebuild has started, or with the reason it will not.
   *
   * @param force      asked to cancel a running long action (Primus cannot; it is refused all the same)
   * @param fromLeader copy from the leader, not from a {@code clonefrom} member
   */
  CompletionStage<ReinitializeResult> reinitialize(boolean force, boolean fromLeader);

  /** Applies the configuration to the database again (and runs {@code on_reload}) once nothing else runs. */
  void reload();

  /** Maintenance mode on ({@code pause: true} in the DCS config, by CAS). Completes with whether it changed. */
  CompletionStage<Boolean> pause();

  /** Maintenance mode off. Completes with whether it changed. */
  CompletionStage<Boolean> resume();

  /** Reads the cluster from the DCS now, for commands that must not act on the last cycle's view. */
  ClusterView readCluster() throws DcsException;

  /**
   * Writes the {@code config} key: with CAS on {@code expectedVersion} when present ({@code PATCH}),
   * unconditionally otherwise ({@code PUT}). Wakes the agent on success.
   */
  WriteResult writeConfig(DynamicConfig config, OptionalLong expectedVersion) throws DcsException;

  /**
   * Cancels a scheduled switchover: writes {@code {}} to the {@code failover} key with CAS on
   * {@code expectedVersion} (Patroni never deletes the key).
   */
  WriteResult clearFailover(long expectedVersion) throws DcsException;

  /**
   * A primary that lost the DCS asks this member to let it keep running ({@code POST /failsafe}). Accepted
   * unless failsafe mode is off or this member runs as a primary itself; an accepted request keeps this
   * member out of the leader race for a ttl.
   */
  FailsafeReply failsafe(FailsafeNotice notice);

  /** The answer to {@link #failsafe}, as Patroni's REST API gives it. */
  sealed interface FailsafeReply {
    /** As the asking primary reads it: accepted, or refused with the HTTP status Patroni would answer. */
    default dev.primus.ha.FailsafeAnswer answer() {
      if (this instanceof Accepted a) {
        return new dev.primus.ha.FailsafeAnswer.Accepted(java.util.Optional.of(a.walPosition()));
      }
      return new dev.primus.ha.FailsafeAnswer.Refused(this instanceof NotEnabled
          ? "HTTP 502 failsafe mode is not enabled" : "HTTP 500 Running as a leader");
    }

    /** Failsafe mode is off (Patroni: 502). */
    record NotEnabled() implements FailsafeReply {}

    /** This member runs as a primary (Patroni: 500 {@code Running as a leader}). */
    record RunningAsLeader() implements FailsafeReply {}

    /** Accepted; {@code walPosition} is this member's (Patroni: 200 {@code Accepted}, header {@code lsn}). */
    record Accepted(long walPosition) implements FailsafeReply {}
  }

  /** What became of a switchover or failover. */
  sealed interface SwitchoverResult {
    /** Written to the {@code failover} key with its time (HTTP 202). */
    record Scheduled() implements SwitchoverResult {}

    /** The leader changed to {@code newLeader} (HTTP 200). */
    record Completed(String newLeader) implements SwitchoverResult {
      public Completed {
        Objects.requireNonNull(newLeader, "newLeader");
      }
    }

    /** It cannot be done now; nothing was written (HTTP 412). */
    record NotPossible(String reason) implements SwitchoverResult {
      public NotPossible {
        Objects.requireNonNull(reason, "reason");
      }
    }

    /** It could not be written, or the leader did not change in time (HTTP 503). */
    record Failed(String reason) implements SwitchoverResult {
      public Failed {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  /** What became of a restart. */
  sealed interface RestartResult {
    /** Restarted (HTTP 200). */
    record Restarted() implements RestartResult {}

    /** Scheduled (HTTP 202). */
    record Scheduled() implements RestartResult {}

    /** Another restart is already scheduled (HTTP 409). */
    record AlreadyScheduled() implements RestartResult {}

    /** Failed, or its conditions did not hold; {@code reason} says which (HTTP 503). */
    record Failed(String reason) implements RestartResult {
      public Failed {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  /** What became of a reinitialization. */
  sealed interface ReinitializeResult {
    /** The rebuild started (HTTP 200). */
    record Started() implements ReinitializeResult {}

    /** It will not be done, e.g. on the leader or while another action runs (HTTP 503). */
    record Refused(String reason) implements ReinitializeResult {
      public Refused {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }
}
