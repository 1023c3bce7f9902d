package dev.primus.agent.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Every member's {@link SimDatabase} and what ties them together: the application's write rate (every
 * writable primary takes writes at it, two of them in a split brain), streaming replication, and the
 * ids a cluster hands out (system identifiers, WAL branches).
 *
 * <p>Positions move only in {@link #settle()}, which the databases call before any change of state, so
 * a position is a piecewise-linear function of time that is exact at every event: a primary grows at
 * the write rate; a replica streaming from a compatible, running upstream approaches the upstream's
 * position minus its streaming delay's worth of WAL, at most at the catch-up rate.
 */
final class DatabaseFleet {
  /** How fast a replica replays WAL it is behind on, in bytes per second. */
  static final long CATCH_UP_RATE = 64L << 20;

  private final Scheduler scheduler;
  private final Random random;
  /** Whether a demotion's shutdown hangs: drawn apart from {@link #random}. */
  private final Random hangs;
  /** How many demotions' fast shutdowns of a primary hang until escalated, in percent. */
  static final int HANGING_SHUTDOWN_PERCENT = 30;
  private final DbLatencies latencies;
  private int hungShutdowns;
  private int hangingPercent = HANGING_SHUTDOWN_PERCENT;
  private int escalatedStops;
  private final Map<String, SimDatabase> databases = new LinkedHashMap<>();
  private Listener listener = (db, cause) -> { };
  private long writeRate;
  private Instant settledAt;
  private long branches;
  /** The history of the latest primary that acknowledged commits, and how far it did (synchronous mode). */
  private Lineage acknowledgedLineage;
  private long acknowledgedPosition;

  /** Told when a server becomes a writable primary, at that instant. */
  interface Listener {
    void becameWritable(SimDatabase db, SimDatabase.WritableCause cause);
  }

  DatabaseFleet(Scheduler scheduler, Random random, DbLatencies latencies, long writeRate) {
    this(scheduler, random, new Random(0), latencies, writeRate);
  }

  DatabaseFleet(Scheduler scheduler, Random random, Random hangs, DbLatencies latencies, long writeRate) {
    this.scheduler = scheduler;
    this.random = random;
    this.hangs = hangs;
    this.latencies = latencies;
    this.writeRate = writeRate;
    this.settledAt = scheduler.now();
  }

  /**
   * Draws whether a demotion's fast shutdown hangs (a walsender waiting for a standby that no longer
   * answers): {@link #HANGING_SHUTDOWN_PERCENT} of them, from a random source of their own, so that the
   * schedule's other draws stay as they were.
   */
  boolean shutdownHangs() {
    boolean hang = hangs.nextInt(100) < hangingPercent;
    if (hang) {
      hungShutdowns++;
    }
    return hang;
  }

  /** From now on {@code percent} of the demotions' fast shutdowns hang (tests; 100: every one). */
  void hangingShutdowns(int percent) {
    hangingPercent = percent;
  }

  /** Demotions' shutdowns that hung so far. */
  int hungShutdowns() {
    return hungShutdowns;
  }

  /** Stops that were still under way when their bound escalated them. */
  int escalatedStops() {
    return escalatedStops;
  }

  void stopEscalated() {
    escalatedStops++;
  }

  SimDatabase add(String name, long streamDelayMillis) {
    SimDatabase db = new SimDatabase(name, this, streamDelayMillis);
    databases.put(name, db);
    return db;
  }

  void listener(Listener l) {
    this.listener = l;
  }

  SimDatabase get(String name) {
    return databases.get(name);
  }

  Collection<SimDatabase> all() {
    return databases.values();
  }

  Scheduler scheduler() {
    return scheduler;
  }

  DbLatencies latencies() {
    return latencies;
  }

  Instant now() {
    return scheduler.now();
  }

  Duration draw(long min, long max) {
    return DbLatencies.draw(random, min, max);
  }

  long writeRate() {
    return writeRate;
  }

  /** The application writes {@code bytesPerSecond} from now on (0: idle). */
  void writeRate(long bytesPerSecond) {
    settle();
    this.writeRate = bytesPerSecond;
  }

  String newSystemIdentifier() {
    // 19 digits, like PostgreSQL's (which puts the initdb time in the high bits).
    return Long.toString(7_000_000_000_000_000_000L + Math.floorMod(random.nextLong(), 1_000_000_000_000_000_000L));
  }

  long newBranch() {
    return ++branches;
  }

  /** Where a fresh cluster's WAL starts (after initdb's own records). */
  long initialLsn() {
    return 0x0300_0028L;
  }

  void becameWritable(SimDatabase db, SimDatabase.WritableCause cause) {
    listener.becameWritable(db, cause);
  }

  /** The replicas currently streaming from {@code upstream}. */
  List<SimDatabase> streamingFrom(String upstream) {
    List<SimDatabase> out = new ArrayList<>();
    for (SimDatabase d : databases.values()) {
      if (d.streaming && d.upstream().filter(upstream::equals).isPresent()) {
        out.add(d);
      }
    }
    return out;
  }

  /**
   * A primary's clean shutdown ends with a checkpoint record that its walsenders deliver before they
   * exit, so standbys streaming from it end at exactly its final position (what Patroni's switchover
   * relies on).
   */
  void shutdownCheckpointReachesStandbys(SimDatabase primary) {
    for (SimDatabase r : streamingFrom(primary.name())) {
      if (r.lineage().canFollow(r.position, primary.lineage())) {
        r.position = Math.max(r.position, primary.position);
      }
    }
  }

  /** Moves every position to now. */
  void settle() {
    Instant now = scheduler.now();
    long dtMillis = Duration.between(settledAt, now).toMillis();
    settledAt = now;
    for (SimDatabase d : databases.values()) {
      if (d.isWritablePrimary() && dtMillis > 0) {
        d.position += writeRate * dtMillis / 1000;
      }
    }
    List<SimDatabase> replicas = new ArrayList<>();
    for (SimDatabase d : databases.values()) {
      if (d.isRunningReplica()) {
        replicas.add(d);
      } else {
        d.streaming = false;
      }
    }
    // Upstreams before their followers, so a cascade settles on settled positions.
    replicas.sort(Comparator.comparingInt(this::depth));
    for (SimDatabase r : replicas) {
      stream(r, dtMillis);
    }
    trackAcknowledgements();
  }

  /**
   * Moves the acknowledged position to what the writable primary acknowledges now. Called after every
   * settle (before any change of state) and after every event, so no acknowledgement between two changes
   * is missed: positions only grow between them. A new primary carries the old acknowledgements as far
   * as its history shares them.
   */
  void trackAcknowledgements() {
    for (SimDatabase d : databases.values()) {
      if (!d.isWritablePrimary()) {
        continue;
      }
      Lineage lineage = d.lineage();
      long carried = acknowledgedLineage == null ? 0 : Math.min(acknowledgedPosition, acknowledgedLineage.forkPoint(lineage));
      acknowledgedLineage = lineage;
      acknowledgedPosition = Math.max(carried, d.acknowledged().orElse(0));
    }
  }

  /** The history of the last primary that acknowledged commits; null before the first. */
  Lineage acknowledgedLineage() {
    return acknowledgedLineage;
  }

  /** The highest position acknowledged to a client on {@link #acknowledgedLineage()}. */
  long acknowledgedPosition() {
    return acknowledgedPosition;
  }

  private void stream(SimDatabase r, long dtMillis) {
    SimDatabase src = r.upstream().map(databases::get).orElse(null);
    // A server shutting down still sends WAL until it exits (its walsenders go last).
    boolean sending = src != null && src.sendsWal();
    if (src == null || src == r || !sending || !src.initialized()
        || !src.systemIdentifier().equals(r.systemIdentifier())
        || !r.lineage().canFollow(r.position, src.lineage())) {
      if (src != null && src != r && sending && src.initialized() && src.systemIdentifier().equals(r.systemIdentifier())) {
        // Connected, but the upstream's line left this replica's timeline before its position: the
        // walreceiver fetched the upstream's history file first, and keeps it.
        r.fetchedHistoryOf(src.lineage());
      }
      r.streaming = false;
      return;
    }
    r.streaming = true;
    long behind = src.isWritablePrimary() ? writeRate * r.streamDelayMillis() / 1000 : 0;
    long target = Math.max(0, src.position - behind);
    long reachable = r.position + CATCH_UP_RATE / 1000 * dtMillis;
    long next = Math.min(target, reachable);
    if (next > r.position) {
      r.position = next;
    }
    r.adoptReachedLineage(src.lineage());
  }

  private int depth(SimDatabase d) {
    int depth = 0;
    SimDatabase cur = d;
    while (depth < databases.size() && cur != null && cur.isRunningReplica()) {
      cur = cur.upstream().map(databases::get).orElse(null);
      depth++;
    }
    return depth;
  }
}
