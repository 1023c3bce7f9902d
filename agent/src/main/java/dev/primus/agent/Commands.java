package dev.primus.agent;

import dev.primus.dcs.layout.PatroniCodec;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.InvalidValue;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.WriteResult;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.FailsafeNotice;
import dev.primus.ha.OperatorRequest;
import dev.primus.ha.PeerAnswer;
import dev.primus.ha.RestartRequest;
import dev.primus.ha.SwitchoverCheck;
import dev.primus.ha.SwitchoverRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's {@link AgentCommands}: DCS writes the engine then acts on (the {@code failover} and
 * {@code config} keys), and operator requests handed to the engine ({@link OperatorRequest}). Blocking DCS
 * calls of the stage-returning commands run in the runtime's background; waiting for a switchover to end
 * polls on a lane of its own, never on the agent's.
 */
final class Commands implements AgentCommands {
  private static final Logger LOG = LoggerFactory.getLogger(Commands.class);
  /** How often a waiting switchover reads the DCS. */
  static final Duration POLL = Duration.ofMillis(100);

  private final AgentCore core;
  private final AgentRuntime.Lane waits;

  Commands(AgentCore core) {
    this.core = Objects.requireNonNull(core, "core");
    this.waits = core.runtime.newLane(core.name + " commands");
  }

  // ================================================================= switchover

  @Override
  public CompletionStage<SwitchoverResult> switchover(SwitchoverRequest request) {
    Objects.requireNonNull(request, "request");
    return core.runtime.background(() -> core.dcs().read())
        .thenCompose(cluster -> answers(cluster, request).thenCompose(answers -> write(cluster, request, answers)))
        .exceptionally(err -> new SwitchoverResult.Failed("failed to read the DCS: " + AgentCore.unwrap(err).getMessage()));
  }

  private CompletionStage<Map<String, PeerAnswer>> answers(ClusterView cluster, SwitchoverRequest request) {
    if (request.scheduledAt().isPresent()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    return core.peers.query(cluster, SwitchoverCheck.membersToAsk(cluster, request));
  }

  private CompletionStage<SwitchoverResult> write(ClusterView cluster, SwitchoverRequest request,
      Map<String, PeerAnswer> answers) {
    if (request.scheduledAt().isEmpty()) {
      Optional<String> refusal = SwitchoverCheck.refusal(cluster, request, answers);
      if (refusal.isPresent()) {
        return CompletableFuture.completedFuture(new SwitchoverResult.NotPossible(refusal.get()));
      }
    }
    Optional<String> oldLeader = request.leader().or(() -> cluster.leader().map(LeaderLock::holder));
    PatroniDcs d = core.dcs();
    return core.runtime.background(() -> d.writeFailover(request.key(), failoverVersion(cluster, d)))
        .thenCompose(written -> {
          if (!written.succeeded()) {
            return CompletableFuture.completedFuture(
                new SwitchoverResult.Failed("the failover key changed meanwhile; nothing was written"));
          }
          LOG.info("{} requested: {}", request.kind().noun(), PatroniCodec.encodeFailover(request.key()));
          core.wake();
          if (request.scheduledAt().isPresent()) {
            return CompletableFuture.completedFuture(new SwitchoverResult.Scheduled());
          }
          return awaitNewLeader(oldLeader, request.kind());
        })
        .exceptionally(err -> new SwitchoverResult.Failed("failed to write the failover key: "
            + AgentCore.unwrap(err).getMessage()));
  }

  /** The version to CAS the failover key on: of its decoded or its undecodable value, or empty to create it. */
  private static Optional<Long> failoverVersion(ClusterView cluster, PatroniDcs d) {
    Optional<Long> decoded = cluster.failover().map(Versioned::version);
    if (decoded.isPresent()) {
      return decoded;
    }
    return cluster.invalidKey(d.path().failover()).map(InvalidValue::version);
  }

  /**
   * Reads the DCS until the leader changes (done), the key is cleared with the leader unchanged (the
   * leader refused it), or {@code 2 * max(10 s, loop_wait)} passes (Patroni's bound).
   */
  private CompletionStage<SwitchoverResult> awaitNewLeader(Optional<String> oldLeader, SwitchoverRequest.Kind kind) {
    Duration loopWait = core.timings().loopWait();
    Duration bound = Duration.ofSeconds(10).compareTo(loopWait) > 0 ? Duration.ofSeconds(20) : loopWait.multipliedBy(2);
    Instant deadline = core.clock.instant().plus(bound);
    CompletableFuture<SwitchoverResult> out = new CompletableFuture<>();
    poll(out, oldLeader, kind, deadline, bound);
    return out;
  }

  private void poll(CompletableFuture<SwitchoverResult> out, Optional<String> oldLeader, SwitchoverRequest.Kind kind,
      Instant deadline, Duration bound) {
    waits.schedule(POLL, () -> {
      try {
        ClusterView v = core.dcs().read();
        Optional<String> leader = v.leader().map(LeaderLock::holder);
        if (leader.isPresent() && !leader.equals(oldLeader)) {
          out.complete(new SwitchoverResult.Completed(leader.get()));
          return;
        }
        if (v.pendingFailover().isEmpty() && leader.isPresent() && leader.equals(oldLeader)) {
          out.complete(new SwitchoverResult.Failed(capitalized(kind.noun()) + " failed"));
          return;
        }
      } catch (DcsException e) {
        LOG.debug("reading the DCS while waiting for the {}: {}", kind.noun(), e.getMessage());
      }
      if (!core.clock.instant().isBefore(deadline)) {
        out.complete(new SwitchoverResult.Failed(capitalized(kind.noun()) + " status unknown after "
            + bound.toSeconds() + " seconds"));
        return;
      }
      poll(out, oldLeader, kind, deadline, bound);
    });
  }

  private static String capitalized(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  @Override
  public WriteResult clearFailover(long expectedVersion) throws DcsException {
    WriteResult r = core.dcs().clearFailover(expectedVersion);
    if (r.succeeded()) {
      core.wake();
    }
    return r;
  }

  // ================================================================= requests for the engine

  @Override
  public CompletionStage<RestartResult> restart(RestartRequest request) {
    Objects.requireNonNull(request, "request");
    long id = core.requests.nextId();
    if (request.schedule().isPresent()) {
      PendingRequest scheduled = new Pending(new OperatorRequest.Restart(id, request)) {
        @Override
        public void finished(ActionOutcome outcome) {
          LOG.info("the restart scheduled for {} {}", request.schedule().get(),
              outcome.succeeded() ? "is done" : "failed: " + outcome);
        }

        @Override
        public void refused(String reason) {
          LOG.info("the restart scheduled for {} did not run: {}", request.schedule().get(), reason);
        }
      };
      if (!core.requests.schedule(scheduled)) {
        return CompletableFuture.completedFuture(new RestartResult.AlreadyScheduled());
      }
      LOG.info("restart scheduled for {}", request.schedule().get());
      core.wake();
      return CompletableFuture.completedFuture(new RestartResult.Scheduled());
    }
    CompletableFuture<RestartResult> result = new CompletableFuture<>();
    core.requests.submit(new Pending(new OperatorRequest.Restart(id, request)) {
      @Override
      public void finished(ActionOutcome outcome) {
        result.complete(outcome.succeeded() ? new RestartResult.Restarted()
            : new RestartResult.Failed("restart failed: " + detail(outcome)));
      }

      @Override
      public void refused(String reason) {
        result.complete(new RestartResult.Failed(reason));
      }
    });
    return result;
  }

  @Override
  public boolean cancelScheduledRestart() {
    boolean had = core.requests.cancelScheduled();
    if (had) {
      core.wake();
    }
    return had;
  }

  @Override
  public CompletionStage<ReinitializeResult> reinitialize(boolean force, boolean fromLeader) {
    CompletableFuture<ReinitializeResult> result = new CompletableFuture<>();
    long id = core.requests.nextId();
    core.requests.submit(new Pending(new OperatorRequest.Reinitialize(id, force, fromLeader)) {
      @Override
      public void started() {
        result.complete(new ReinitializeResult.Started());
      }

      @Override
      public void finished(ActionOutcome outcome) {
        result.complete(new ReinitializeResult.Refused("reinitialize failed: " + detail(outcome)));
        LOG.info("reinitialize {}", outcome.succeeded() ? "done" : "failed: " + outcome);
      }

      @Override
      public void refused(String reason) {
        result.complete(new ReinitializeResult.Refused(reason));
      }
    });
    return result;
  }

  @Override
  public void reload() {
    long id = core.requests.nextId();
    core.requests.submit(new Pending(new OperatorRequest.Reload(id)) {
      @Override
      public void finished(ActionOutcome outcome) {
        LOG.info("reload {}", outcome.succeeded() ? "done" : "failed: " + outcome);
      }

      @Override
      public void refused(String reason) {
        LOG.info("reload not done: {}", reason);
      }
    });
  }

  private abstract static class Pending implements PendingRequest {
    private final OperatorRequest request;

    Pending(OperatorRequest request) {
      this.request = request;
    }

    @Override
    public OperatorRequest request() {
      return request;
    }
  }

  private static String detail(ActionOutcome o) {
    return o instanceof ActionOutcome.Failed f ? f.detail() : o.toString();
  }

  // ================================================================= config

  @Override
  public CompletionStage<Boolean> pause() {
    return setPause(true);
  }

  @Override
  public CompletionStage<Boolean> resume() {
    return setPause(false);
  }

  private CompletionStage<Boolean> setPause(boolean paused) {
    return core.runtime.background(() -> {
      for (int attempt = 0; attempt < 3; attempt++) {
        ClusterView cluster = core.dcs().read();
        Optional<Versioned<DynamicConfig>> current = cluster.config();
        if (current.isEmpty()) {
          throw new IllegalStateException("the cluster has no configuration in the DCS yet");
        }
        DynamicConfig patched = current.get().value().mergePatch(Map.of("pause", paused));
        if (patched.equals(current.get().value())) {
          return false;
        }
        if (writeConfig(patched, OptionalLong.of(current.get().version())).succeeded()) {
          LOG.info("maintenance mode {}", paused ? "on (paused)" : "off (resumed)");
          return true;
        }
      }
      throw new IllegalStateException("the configuration kept changing; pause not " + (paused ? "set" : "cleared"));
    });
  }

  @Override
  public ClusterView readCluster() throws DcsException {
    return core.dcs().read();
  }

  @Override
  public WriteResult writeConfig(DynamicConfig config, OptionalLong expectedVersion) throws DcsException {
    PatroniDcs d = core.dcs();
    WriteResult r = expectedVersion.isPresent()
        ? d.writeConfig(config, Optional.of(expectedVersion.getAsLong()))
        : d.store().put(d.path().config(), PatroniCodec.encodeConfig(config), Optional.empty());
    if (r.succeeded()) {
      LOG.info("dynamic configuration changed");
      core.wake();
    }
    return r;
  }

  // ================================================================= failsafe

  @Override
  public FailsafeReply failsafe(FailsafeNotice notice) {
    AgentStatus s = core.status();
    if (!s.config().failsafeMode()) {
      return new FailsafeReply.NotEnabled();
    }
    if (s.local().isRunningPrimary()) {
      return new FailsafeReply.RunningAsLeader();
    }
    core.failsafeReceived(notice);
    return new FailsafeReply.Accepted(s.local().walPosition());
  }
}
