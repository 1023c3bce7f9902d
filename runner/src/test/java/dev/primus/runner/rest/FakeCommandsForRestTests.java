package dev.primus.runner.rest;

import dev.primus.agent.AgentCommands;
import dev.primus.ha.RestartRequest;
import dev.primus.ha.SwitchoverRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.WriteResult;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test double of {@link AgentCommands} for the REST layer only: it records every call and answers with
 * results the test sets, so the tests check request validation and status-code mapping, not the agent behind
 * the interface.
 */
final class FakeCommandsForRestTests implements AgentCommands {
  volatile ClusterView cluster;
  volatile DcsException readFailure;

  volatile SwitchoverResult switchoverResult = new SwitchoverResult.Completed("node1");
  final List<SwitchoverRequest> switchovers = new CopyOnWriteArrayList<>();

  volatile WriteResult clearFailoverResult = new WriteResult.Written(100);
  final List<Long> clearedFailoverVersions = new CopyOnWriteArrayList<>();

  volatile RestartResult restartResult = new RestartResult.Restarted();
  final List<RestartRequest> restarts = new CopyOnWriteArrayList<>();
  volatile boolean restartScheduled;

  final AtomicInteger reloads = new AtomicInteger();

  volatile ReinitializeResult reinitializeResult = new ReinitializeResult.Started();
  final List<List<Boolean>> reinitializations = new CopyOnWriteArrayList<>();

  volatile WriteResult configWriteResult = new WriteResult.Written(200);
  volatile DcsException configWriteFailure;
  final List<ConfigWrite> configWrites = new CopyOnWriteArrayList<>();

  final List<dev.primus.ha.FailsafeNotice> failsafeNotices = new CopyOnWriteArrayList<>();
  volatile FailsafeReply failsafeReply = new FailsafeReply.Accepted(0);

  /** One call of {@link #writeConfig}. */
  record ConfigWrite(DynamicConfig config, OptionalLong expectedVersion) {}

  FakeCommandsForRestTests(ClusterView cluster) {
    this.cluster = cluster;
  }

  @Override
  public ClusterView readCluster() throws DcsException {
    if (readFailure != null) {
      throw readFailure;
    }
    return cluster;
  }

  @Override
  public CompletionStage<SwitchoverResult> switchover(SwitchoverRequest request) {
    switchovers.add(request);
    return CompletableFuture.completedFuture(switchoverResult);
  }

  @Override
  public WriteResult clearFailover(long expectedVersion) {
    clearedFailoverVersions.add(expectedVersion);
    return clearFailoverResult;
  }

  @Override
  public CompletionStage<RestartResult> restart(RestartRequest request) {
    restarts.add(request);
    return CompletableFuture.completedFuture(restartResult);
  }

  @Override
  public boolean cancelScheduledRestart() {
    boolean was = restartScheduled;
    restartScheduled = false;
    return was;
  }

  @Override
  public void reload() {
    reloads.incrementAndGet();
  }

  @Override
  public CompletionStage<ReinitializeResult> reinitialize(boolean force, boolean fromLeader) {
    reinitializations.add(List.of(force, fromLeader));
    return CompletableFuture.completedFuture(reinitializeResult);
  }

  @Override
  public CompletionStage<Boolean> pause() {
    throw new UnsupportedOperationException("the REST API pauses by PATCH /config");
  }

  @Override
  public CompletionStage<Boolean> resume() {
    throw new UnsupportedOperationException("the REST API resumes by PATCH /config");
  }

  @Override
  public WriteResult writeConfig(DynamicConfig config, OptionalLong expectedVersion) throws DcsException {
    if (configWriteFailure != null) {
      throw configWriteFailure;
    }
    configWrites.add(new ConfigWrite(config, expectedVersion));
    return configWriteResult;
  }

  @Override
  public FailsafeReply failsafe(dev.primus.ha.FailsafeNotice notice) {
    failsafeNotices.add(notice);
    return failsafeReply;
  }
}
