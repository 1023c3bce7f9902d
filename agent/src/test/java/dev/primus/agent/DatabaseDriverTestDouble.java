package dev.primus.agent;

import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.StopMode;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.Upstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A TEST DOUBLE of {@link DatabaseDriver}: not the PostgreSQL driver, and no database at all. It keeps a
 * few fields (data directory, running or not, role, timeline, WAL position, upstream) that its methods
 * change the way a real server would change, records every call, and can be told to fail a method or to
 * hold it until released, so the loop's tests see long actions in progress.
 */
final class DatabaseDriverTestDouble implements DatabaseDriver {
  static final String SYSID = "7000000000000000001";
  /** What a running server reports as its version ({@code server_version_num}). */
  static final int SERVER_VERSION = 150004;

  /** One recorded call: the method and its arguments as text. */
  record Call(String method, List<Object> args) {
    @Override
    public String toString() {
      return method + args;
    }
  }

  private final List<Call> calls = new ArrayList<>();
  /** Looks taken through {@link #liveness}: not recorded as calls, which are the agent's actions. */
  private final java.util.concurrent.atomic.AtomicInteger livenessChecks = new java.util.concurrent.atomic.AtomicInteger();
  private final Map<String, DriverException> failures = new HashMap<>();
  private final Map<String, CountDownLatch> gates = new HashMap<>();

  private LocalState.DataDirectoryState dataDirectory = LocalState.DataDirectoryState.EMPTY;
  private LocalState.ProcessState process = LocalState.ProcessState.STOPPED;
  private Optional<DatabaseRole> role = Optional.empty();
  private long timeline = 1;
  private long wal;
  private Optional<String> upstream = Optional.empty();
  private boolean replicaWithoutLeader;

  /** A data directory that already holds a cluster and runs as primary (an existing node). */
  synchronized DatabaseDriverTestDouble runningPrimary(long walPosition) {
    dataDirectory = LocalState.DataDirectoryState.INITIALIZED;
    process = LocalState.ProcessState.RUNNING;
    role = Optional.of(DatabaseRole.PRIMARY);
    wal = walPosition;
    return this;
  }

  /** Declares a replica method that needs no leader (a restore from a backup). */
  synchronized DatabaseDriverTestDouble withReplicaMethodWithoutLeader() {
    replicaWithoutLeader = true;
    return this;
  }

  /** The next call of {@code method} throws {@code e}. */
  synchronized void failNext(String method, DriverException e) {
    failures.put(method, e);
  }

  /** Calls of {@code method} block until {@link #release} (to observe a long action in progress). */
  synchronized void hold(String method) {
    gates.put(method, new CountDownLatch(1));
  }

  void release(String method) {
    CountDownLatch g;
    synchronized (this) {
      g = gates.remove(method);
    }
    if (g != null) {
      g.countDown();
    }
  }

  /** What {@link #fenceFormerPrimary} answers. */
  volatile dev.primus.ha.driver.FenceResult fenceResult = dev.primus.ha.driver.FenceResult.of(
      dev.primus.ha.driver.FenceResult.Outcome.NOT_REACHABLE, "the test double reaches nobody");

  @Override
  public dev.primus.ha.driver.FenceResult fenceFormerPrimary(dev.primus.ha.driver.Upstream former, String fencer,
      java.time.Duration timeout) {
    synchronized (this) {
      calls.add(new Call("fenceFormerPrimary", List.of(former, fencer)));
    }
    return fenceResult;
  }

  synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  synchronized List<String> methods() {
    return calls.stream().map(Call::method).toList();
  }

  synchronized Optional<Call> last(String method) {
    for (int i = calls.size() - 1; i >= 0; i--) {
      if (calls.get(i).method().equals(method)) {
        return Optional.of(calls.get(i));
      }
    }
    return Optional.empty();
  }

  /** The server dies behind the agent's back (SIGKILL, {@code pg_ctl stop -m immediate}): no call, no cycle. */
  synchronized void crash() {
    process = LocalState.ProcessState.CRASHED;
  }

  /** Someone promotes the server behind the agent's back. */
  synchronized void promotedBehindTheAgentsBack(long walPosition) {
    role = Optional.of(DatabaseRole.PRIMARY);
    wal = walPosition;
  }

  /** How many times {@link #liveness} was asked. */
  int livenessChecks() {
    return livenessChecks.get();
  }

  @Override
  public dev.primus.ha.DatabaseLiveness liveness(Duration timeout) {
    livenessChecks.incrementAndGet();
    return dev.primus.ha.DatabaseLiveness.of(probe());
  }

  synchronized boolean running() {
    return process == LocalState.ProcessState.RUNNING;
  }

  synchronized Optional<DatabaseRole> role() {
    return role;
  }

  synchronized void setWal(long position) {
    wal = position;
  }

  private void enter(String method, Object... args) throws DriverException {
    CountDownLatch gate;
    synchronized (this) {
      calls.add(new Call(method, List.of(args)));
      DriverException e = failures.remove(method);
      if (e != null) {
        throw e;
      }
      gate = gates.get(method);
    }
    if (gate != null) {
      try {
        if (!gate.await(30, TimeUnit.SECONDS)) {
          throw new DriverException(DriverException.Kind.TIMEOUT, "test gate for " + method + " never opened");
        }
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new DriverException(DriverException.Kind.TIMEOUT, "interrupted");
      }
    }
  }

  @Override
  public synchronized LocalState probe() {
    boolean initialized = dataDirectory == LocalState.DataDirectoryState.INITIALIZED;
    boolean runningReplica = process == LocalState.ProcessState.RUNNING && role.orElse(null) == DatabaseRole.REPLICA;
    LocalState s = new LocalState(dataDirectory, initialized ? Optional.of(SYSID) : Optional.empty(), process, role,
        initialized ? Optional.of(timeline) : Optional.empty(), wal,
        runningReplica ? Optional.of(wal) : Optional.empty(), runningReplica ? Optional.of(wal) : Optional.empty(),
        runningReplica ? Optional.of(LocalState.ReplicationState.STREAMING) : Optional.empty(),
        runningReplica ? upstream : Optional.empty(), true, false, Map.of(), Optional.empty(), List.of());
    return process == LocalState.ProcessState.RUNNING ? s.withServerVersion(SERVER_VERSION) : s;
  }

  @Override
  public void bootstrap() throws DriverException {
    enter("bootstrap");
    synchronized (this) {
      dataDirectory = LocalState.DataDirectoryState.INITIALIZED;
      process = LocalState.ProcessState.RUNNING;
      role = Optional.of(DatabaseRole.PRIMARY);
      timeline = 1;
      wal = 100;
    }
  }

  @Override
  public void createReplica(Upstream source) throws DriverException {
    enter("createReplica", source);
    synchronized (this) {
      dataDirectory = LocalState.DataDirectoryState.INITIALIZED;
      process = LocalState.ProcessState.STOPPED;
      role = Optional.of(DatabaseRole.REPLICA);
      upstream = Optional.of(source.member());
    }
  }

  @Override
  public synchronized boolean canCreateReplicaWithoutLeader() {
    return replicaWithoutLeader;
  }

  @Override
  public void createReplicaWithoutLeader() throws DriverException {
    enter("createReplicaWithoutLeader");
    synchronized (this) {
      dataDirectory = LocalState.DataDirectoryState.INITIALIZED;
      process = LocalState.ProcessState.STOPPED;
      role = Optional.of(DatabaseRole.REPLICA);
      upstream = Optional.empty();
      wal = 50;
    }
  }

  @Override
  public void start(DatabaseRole r, Optional<Upstream> up, Duration timeout) throws DriverException {
    enter("start", r, up, timeout);
    synchronized (this) {
      process = LocalState.ProcessState.RUNNING;
      role = Optional.of(r);
      upstream = up.map(Upstream::member);
    }
  }

  @Override
  public Optional<Long> stop(StopMode mode, Duration timeout) throws DriverException {
    enter("stop", mode, timeout);
    synchronized (this) {
      process = LocalState.ProcessState.STOPPED;
      return Optional.of(wal);
    }
  }

  @Override
  public void restart(Duration timeout) throws DriverException {
    enter("restart", timeout);
  }

  @Override
  public void promote(Duration timeout) throws DriverException {
    enter("promote", timeout);
    synchronized (this) {
      role = Optional.of(DatabaseRole.PRIMARY);
      timeline++;
      upstream = Optional.empty();
    }
  }

  @Override
  public void follow(Upstream up, Duration timeout) throws DriverException {
    enter("follow", up, timeout);
    synchronized (this) {
      upstream = Optional.of(up.member());
    }
  }

  @Override
  public void rewind(Upstream source) throws DriverException {
    enter("rewind", source);
  }

  @Override
  public void reinitialize(Upstream source) throws DriverException {
    enter("reinitialize", source);
    synchronized (this) {
      process = LocalState.ProcessState.STOPPED;
      role = Optional.of(DatabaseRole.REPLICA);
      upstream = Optional.of(source.member());
    }
  }

  @Override
  public void reload() throws DriverException {
    enter("reload");
  }

  @Override
  public void checkpoint() throws DriverException {
    enter("checkpoint");
  }

  @Override
  public void ensureSlots(Set<String> memberSlots, Map<String, Object> permanentSlots) throws DriverException {
    enter("ensureSlots", memberSlots, permanentSlots);
  }

  @Override
  public void setSynchronousStandbys(List<String> members, int count, boolean quorum) throws DriverException {
    enter("setSynchronousStandbys", members, count, quorum);
  }

  @Override
  public void clearSynchronousStandbys() throws DriverException {
    enter("clearSynchronousStandbys");
  }

  @Override
  public void applyParameters(Map<String, Object> parameters) throws DriverException {
    enter("applyParameters", parameters);
  }

  @Override
  public synchronized void close() {
    calls.add(new Call("close", List.of()));
  }
}
