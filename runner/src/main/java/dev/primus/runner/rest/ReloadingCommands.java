package dev.primus.runner.rest;

import dev.primus.agent.AgentCommands;
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
 * The agent's commands as the runner's REST API offers them: the same, except that a reload re-reads the
 * configuration file first (Patroni's {@code POST /reload} is SIGHUP's twin).
 */
public final class ReloadingCommands implements AgentCommands {
  private final AgentCommands agent;
  private final Runnable reload;

  /** @param reload re-reads the file, hands the agent what it may change, and asks it to reload */
  public ReloadingCommands(AgentCommands agent, Runnable reload) {
    this.agent = Objects.requireNonNull(agent, "agent");
    this.reload = Objects.requireNonNull(reload, "reload");
  }

  @Override
  public void reload() {
    reload.run();
  }

  @Override
  public CompletionStage<SwitchoverResult> switchover(SwitchoverRequest request) {
    return agent.switchover(request);
  }

  @Override
  public CompletionStage<RestartResult> restart(RestartRequest request) {
    return agent.restart(request);
  }

  @Override
  public boolean cancelScheduledRestart() {
    return agent.cancelScheduledRestart();
  }

  @Override
  public CompletionStage<ReinitializeResult> reinitialize(boolean force, boolean fromLeader) {
    return agent.reinitialize(force, fromLeader);
  }

  @Override
  public CompletionStage<Boolean> pause() {
    return agent.pause();
  }

  @Override
  public CompletionStage<Boolean> resume() {
    return agent.resume();
  }

  @Override
  public ClusterView readCluster() throws DcsException {
    return agent.readCluster();
  }

  @Override
  public WriteResult writeConfig(DynamicConfig config, OptionalLong expectedVersion) throws DcsException {
    return agent.writeConfig(config, expectedVersion);
  }

  @Override
  public WriteResult clearFailover(long expectedVersion) throws DcsException {
    return agent.clearFailover(expectedVersion);
  }

  @Override
  public FailsafeReply failsafe(FailsafeNotice notice) {
    return agent.failsafe(notice);
  }
}
