package dev.primus.runner.loop;

import dev.primus.dcs.layout.PatroniCodec;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.InvalidValue;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.WriteResult;
import dev.primus.ha.PeerAnswer;
import dev.primus.ha.PeerStatus;
import dev.primus.runner.rest.ClusterCommands;
import dev.primus.runner.rest.ReinitializeResult;
import dev.primus.runner.rest.RestartRequest;
import dev.primus.runner.rest.RestartResult;
import dev.primus.runner.rest.SwitchoverRequest;
import dev.primus.runner.rest.SwitchoverResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API's commands, carried out with the {@link HaLoop}.
 *
 * <ul>
 *   <li>switchover / failover: checked against the candidates' own answers ({@code GET /patroni}), written
 *       to the {@code failover} key by CAS (create when absent), the loop woken; an immediate one is then
 *       followed by reading the DCS until the leader changes, the key is cleared with the leader
 *       unchanged (the leader refused it), or {@code 2 * max(10 s, loop_wait)} passes (Patroni's bound);
 *   <li>restart, reinitialize, reload: handed to the loop ({@link LoopRequest}), which runs them between
 *       cycles because the engine has no input for them yet;
 *   <li>config writes: CAS on the version for {@code PATCH}, a plain put for {@code PUT}.
 * </ul>
 * Every successful DCS write wakes the loop.
 */
final class LoopCommands implements ClusterCommands {
  private static final Logger LOG = LoggerFactory.getLogger(LoopCommands.class);
  /** How often a waiting switchover reads the DCS. */
  static final Duration POLL = Duration.ofMillis(200);
  /** How long a reinitialize request waits for the loop to pick it up. */
  static final Duration PICK_UP = Duration.ofSeconds(30);

  private final HaLoop loop;
  private final PeerClient peers;

  LoopCommands(HaLoop loop, PeerClient peers) {
    this.loop = Objects.requireNonNull(loop, "loop");
    this.peers = Objects.requireNonNull(peers, "peers");
  }

  @Override
  public ClusterView readCluster() throws DcsException {
    return loop.dcs().read();
  }

  // ================================================================= switchover

  @Override
  public SwitchoverResult switchover(SwitchoverRequest request) {
    ClusterView cluster;
    try {
      cluster = readCluster();
    } catch (DcsException e) {
      return new SwitchoverResult.Failed("failed to read the DCS: " + e.getMessage());
    }
    if (request.scheduledAt().isEmpty()) {
      Optional<String> impossible = notPossible(cluster, request);
      if (impossible.isPresent()) {
        return new SwitchoverResult.NotPossible(impossible.get());
      }
    }
    Optional<String> oldLeader = request.leader().or(() -> cluster.leader().map(LeaderLock::holder));
    FailoverRequest key = new FailoverRequest(request.leader(), request.candidate(), request.scheduledAt());
    WriteResult written;
    try {
      written = loop.dcs().writeFailover(key, failoverVersion(cluster));
    } catch (DcsException e) {
      return new SwitchoverResult.Failed("failed to write the failover key: " + e.getMessage());
    }
    if (!written.succeeded()) {
      return new SwitchoverResult.Failed("the failover key changed meanwhile; nothing was written");
    }
    LOG.info("{} requested: {}", request.kind().noun(), PatroniCodec.encodeFailover(key));
    loop.wake();
    if (request.scheduledAt().isPresent()) {
      return new SwitchoverResult.Scheduled();
    }
    return awaitNewLeader(oldLeader, request.kind());
  }

  /** The version to CAS the failover key on: of its decoded or its undecodable value, or empty to create it. */
  private Optional<Long> failoverVersion(ClusterView cluster) {
    Optional<Long> decoded = cluster.failover().map(Versioned::version);
    if (decoded.isPresent()) {
      return decoded;
    }
    return cluster.invalidKey(loop.dcs().path().failover()).map(InvalidValue::version);
  }

  private SwitchoverResult awaitNewLeader(Optional<String> oldLeader, SwitchoverRequest.Kind kind) {
    Duration loopWait = loop.timings().loopWait();
    Duration bound = Duration.ofSeconds(10).compareTo(loopWait) > 0 ? Duration.ofSeconds(20) : loopWait.multipliedBy(2);
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      ClusterView v;
      try {
        v = readCluster();
      } catch (DcsException e) {
        continue;
      }
      Optional<String> leader = v.leader().map(LeaderLock::holder);
      if (leader.isPresent() && !leader.equals(oldLeader)) {
        return new SwitchoverResult.Completed(leader.get());
      }
      if (v.pendingFailover().isEmpty() && leader.isPresent() && leader.equals(oldLeader)) {
        return new SwitchoverResult.Failed(capitalized(kind.noun()) + " failed");
      }
    }
    return new SwitchoverResult.Failed(capitalized(kind.noun()) + " status unknown after " + bound.toSeconds()
        + " seconds");
  }

  private static String capitalized(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /**
   * Whether some member can take over, by its own answer: the named candidate, or any member but the
   * leader. A member qualifies when it answers as a replica that may fail over and whose watchdog works.
   */
  private Optional<String> notPossible(ClusterView cluster, SwitchoverRequest request) {
    Optional<String> leader = cluster.leader().map(LeaderLock::holder);
    List<String> asked = request.candidate().map(List::of).orElseGet(() -> cluster.members().stream()
        .map(Member::name)
        .filter(n -> !leader.map(n::equals).orElse(false))
        .toList());
    if (asked.isEmpty()) {
      return Optional.of("no candidate besides the leader");
    }
    Map<String, PeerAnswer> answers = peers.query(cluster, asked);
    StringBuilder why = new StringBuilder();
    for (String name : asked) {
      PeerAnswer a = answers.get(name);
      if (a instanceof PeerAnswer.Answered ok && eligible(ok.status())) {
        return Optional.empty();
      }
      if (why.length() > 0) {
        why.append("; ");
      }
      why.append(name).append(": ").append(a instanceof PeerAnswer.NoAnswer n ? n.reason() : "not a healthy replica");
    }
    return Optional.of(request.candidate().isPresent()
        ? "candidate " + request.candidate().get() + " cannot take over (" + why + ")"
        : "no healthy candidate (" + why + ")");
  }

  private static boolean eligible(PeerStatus p) {
    return p.inRecovery() && !p.noFailover() && p.failoverPriority() > 0 && !p.watchdogFailed();
  }

  @Override
  public WriteResult clearFailover(long expectedVersion) throws DcsException {
    WriteResult r = loop.dcs().clearFailover(expectedVersion);
    if (r.succeeded()) {
      loop.wake();
    }
    return r;
  }

  // ================================================================= restart, reload, reinitialize

  @Override
  public RestartResult restart(RestartRequest request) {
    if (request.schedule().isPresent()) {
      Instant at = request.schedule().get().toInstant();
      if (!loop.schedule(new HaLoop.ScheduledRestart(at, request))) {
        return new RestartResult.AlreadyScheduled();
      }
      LOG.info("restart scheduled for {}", request.schedule().get());
      loop.wake();
      return new RestartResult.Scheduled();
    }
    CompletableFuture<RestartResult> result = new CompletableFuture<>();
    loop.submit(new LoopRequest.Restart(request, result));
    Duration timeout = request.timeout().orElse(loop.config().dbTimeout());
    Duration bound = timeout.multipliedBy(2).plus(PICK_UP);
    try {
      return result.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return new RestartResult.Failed("the restart did not finish within " + bound.toSeconds() + " s");
    } catch (ExecutionException e) {
      return new RestartResult.Failed("restart failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new RestartResult.Failed("interrupted");
    }
  }

  @Override
  public boolean cancelScheduledRestart() {
    boolean had = loop.cancelScheduledRestart();
    if (had) {
      loop.wake();
    }
    return had;
  }

  @Override
  public void reload() {
    loop.submit(new LoopRequest.Reload());
  }

  @Override
  public void failsafeReceived(dev.primus.ha.FailsafeNotice notice) {
    loop.failsafeReceived(notice);
  }

  @Override
  public ReinitializeResult reinitialize(boolean force, boolean fromLeader) {
    ClusterView cluster;
    try {
      cluster = readCluster();
    } catch (DcsException e) {
      return new ReinitializeResult.Refused("failed to read the DCS: " + e.getMessage());
    }
    String me = loop.dcs().memberName();
    if (cluster.isLockedBy(me)) {
      return new ReinitializeResult.Refused("I am the leader, can not reinitialize");
    }
    Optional<String> leader = cluster.leader().map(LeaderLock::holder);
    if (leader.isEmpty()) {
      return new ReinitializeResult.Refused("Cluster has no leader, can not reinitialize");
    }
    if (loop.executor().busy()) {
      String running = loop.state().inProgress().map(p -> ActionExecutor.describe(p.action())).orElse("a long action");
      return new ReinitializeResult.Refused(force
          ? running + " is in progress and cannot be cancelled; try again when it has finished"
          : running + " is in progress");
    }
    String source = fromLeader ? leader.get() : cloneSource(cluster, me).orElse(leader.get());
    CompletableFuture<Optional<String>> started = new CompletableFuture<>();
    loop.submit(new LoopRequest.Reinitialize(source, started));
    try {
      Optional<String> refused = started.get(PICK_UP.toMillis(), TimeUnit.MILLISECONDS);
      return refused.isPresent() ? new ReinitializeResult.Refused(refused.get()) : new ReinitializeResult.Started();
    } catch (TimeoutException e) {
      return new ReinitializeResult.Refused("the agent did not pick the request up within " + PICK_UP.toSeconds() + " s");
    } catch (ExecutionException e) {
      return new ReinitializeResult.Refused(String.valueOf(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ReinitializeResult.Refused("interrupted");
    }
  }

  /** A running member tagged clonefrom, other than me, to spare the leader the base backup. */
  private static Optional<String> cloneSource(ClusterView cluster, String me) {
    return cluster.members().stream()
        .filter(m -> !m.name().equals(me))
        .filter(m -> m.status().tags().cloneFrom() && m.status().state() == MemberState.RUNNING)
        .filter(m -> !m.status().connUrl().isBlank())
        .map(Member::name)
        .findFirst();
  }

  // ================================================================= config

  @Override
  public WriteResult writeConfig(DynamicConfig config, OptionalLong expectedVersion) throws DcsException {
    PatroniDcs d = loop.dcs();
    WriteResult r = expectedVersion.isPresent()
        ? d.writeConfig(config, Optional.of(expectedVersion.getAsLong()))
        : d.store().put(d.path().config(), PatroniCodec.encodeConfig(config), Optional.empty());
    if (r.succeeded()) {
      LOG.info("dynamic configuration changed through the REST API");
      loop.wake();
    }
    return r;
  }

  @Override
  public String toString() {
    return "LoopCommands[" + loop.dcs() + "]";
  }
}
