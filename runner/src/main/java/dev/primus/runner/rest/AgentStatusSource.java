package dev.primus.runner.rest;

import dev.primus.agent.AgentStatus;
import dev.primus.agent.PrimusAgent;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The REST API's statuses of a running agent: {@link PrimusAgent#status()} as the last cycle published it,
 * and {@link PrimusAgent#liveStatus} for the answers that must hold for PostgreSQL as it is now.
 */
public final class AgentStatusSource implements NodeStatusSource {
  /**
   * How old a look at the database a health check may be answered from. Load balancers poll each member
   * once a second or faster, often several of them: this many looks per second at most, whoever asks.
   */
  public static final Duration LIVE_MAX_AGE = Duration.ofMillis(200);
  /** A look runs within {@link PrimusAgent#LIVE_CHECK_TIMEOUT}; a request never waits much longer for one. */
  static final Duration LIVE_WAIT = PrimusAgent.LIVE_CHECK_TIMEOUT.plusMillis(500);

  private final PrimusAgent agent;
  private final String replicationUser;

  /** @param replicationUser the configured replication user, reported as {@code usename} of replication rows */
  public AgentStatusSource(PrimusAgent agent, String replicationUser) {
    this.agent = Objects.requireNonNull(agent, "agent");
    this.replicationUser = Objects.requireNonNull(replicationUser, "replicationUser");
  }

  @Override
  public NodeStatus current() {
    return NodeStatus.of(agent.status(), replicationUser);
  }

  @Override
  public java.util.Optional<dev.primus.agent.LoopTimes.Snapshot> loopTimes() {
    return java.util.Optional.of(agent.loopTimes());
  }

  @Override
  public NodeStatus live() {
    AgentStatus s;
    try {
      s = agent.liveStatus(LIVE_MAX_AGE).toCompletableFuture().get(LIVE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return current();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return current();
    }
    return NodeStatus.of(s, replicationUser);
  }
}
