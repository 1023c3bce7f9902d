package dev.primus.bench.fleet;

import dev.primus.agent.DatabaseOperations;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.StopMode;
import dev.primus.ha.driver.Upstream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A STAND-IN FOR POSTGRESQL, for the fleet benchmark only: no database, no process, no file. It answers the
 * agent's operations at once and reports the state a real server would be in after them (bootstrapped and
 * primary, cloned and replicating, promoted, stopped), with a WAL position that does not move, so that the
 * benchmark measures the agents and the DCS, not a hundred PostgreSQL servers. Never use it for anything
 * else; it is not a driver and proves nothing about one.
 */
final class StandInDatabase implements DatabaseOperations {
  private static final String SYSID = "7400000000000000001";
  private static final long WAL = 0x3000000L;

  private LocalState.DataDirectoryState data = LocalState.DataDirectoryState.EMPTY;
  private LocalState.ProcessState process = LocalState.ProcessState.STOPPED;
  private Optional<DatabaseRole> role = Optional.empty();
  private long timeline = 1;
  private Optional<String> upstream = Optional.empty();

  private static CompletionStage<ActionOutcome> ok() {
    return CompletableFuture.completedFuture(new ActionOutcome.Succeeded());
  }

  @Override
  public synchronized CompletionStage<LocalState> probe() {
    if (data == LocalState.DataDirectoryState.EMPTY) {
      return CompletableFuture.completedFuture(LocalState.empty());
    }
    boolean running = process == LocalState.ProcessState.RUNNING;
    boolean replica = role.orElse(DatabaseRole.REPLICA) == DatabaseRole.REPLICA;
    return CompletableFuture.completedFuture(new LocalState(data, Optional.of(SYSID), process, role,
        Optional.of(timeline), WAL, running && replica ? Optional.of(WAL) : Optional.empty(),
        running && replica ? Optional.of(WAL) : Optional.empty(),
        running && replica ? Optional.of(LocalState.ReplicationState.STREAMING) : Optional.empty(),
        replica ? upstream : Optional.empty(), !running, false, Map.of(), Optional.empty(), List.of()));
  }

  @Override
  public synchronized CompletionStage<ActionOutcome> bootstrap() {
    data = LocalState.DataDirectoryState.INITIALIZED;
    process = LocalState.ProcessState.RUNNING;
    role = Optional.of(DatabaseRole.PRIMARY);
    return ok();
  }

  @Override
  public synchronized CompletionStage<ActionOutcome> createReplica(Upstream source) {
    data = LocalState.DataDirectoryState.INITIALIZED;
    process = LocalState.ProcessState.STOPPED;
    role = Optional.of(DatabaseRole.REPLICA);
    upstream = Optional.of(source.member());
    return ok();
  }

  @Override
  public synchronized CompletionStage<ActionOutcome> start(DatabaseRole r, Optional<Upstream> up, Duration timeout) {
    process = LocalState.ProcessState.RUNNING;
    role = Optional.of(r);
    upstream = up.map(Upstream::member);
    return ok();
  }

  @Override
  public synchronized CompletionStage<ActionOutcome> stop(StopMode mode, Duration timeout) {
    process = LocalState.ProcessState.STOPPED;
    return ok();
  }

  @Override
  public CompletionStage<ActionOutcome> restart(Duration timeout) {
    return ok();
  }

  @Override
  public synchronized CompletionStage<ActionOutcome> promote(Duration timeout) {
    role = Optional.of(DatabaseRole.PRIMARY);
    timeline++;
    upstream = Optional.empty();
    return ok();
  }

  @Override
  public synchronized CompletionStage<ActionOutcome> follow(Upstream up, Duration timeout) {
    upstream = Optional.of(up.member());
    return ok();
  }

  @Override
  public CompletionStage<ActionOutcome> rewind(Upstream source) {
    return ok();
  }

  @Override
  public synchronized CompletionStage<ActionOutcome> reinitialize(Upstream source) {
    return createReplica(source);
  }

  @Override
  public CompletionStage<ActionOutcome> reload() {
    return ok();
  }

  @Override
  public CompletionStage<ActionOutcome> checkpoint() {
    return ok();
  }

  @Override
  public CompletionStage<ActionOutcome> ensureSlots(Set<String> memberSlots, Map<String, Object> permanentSlots) {
    return ok();
  }

  @Override
  public CompletionStage<ActionOutcome> setSynchronousStandbys(List<String> members, int count, boolean quorum) {
    return ok();
  }

  @Override
  public CompletionStage<ActionOutcome> clearSynchronousStandbys() {
    return ok();
  }

  @Override
  public CompletionStage<ActionOutcome> applyParameters(Map<String, Object> dynamic, Optional<Map<String, Object>> local) {
    return ok();
  }

  @Override
  public void close() {
    // Nothing held.
  }
}
