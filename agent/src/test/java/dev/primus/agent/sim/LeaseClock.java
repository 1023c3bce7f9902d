package dev.primus.agent.sim;

import dev.primus.dcs.spi.Lease;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * When each lease of the {@link dev.primus.dcs.spi.InMemoryDcs} will expire, mirrored from the calls
 * that set it (grant and keep-alive at {@code now + ttl}; a whole-DCS outage ending gives every lease a
 * fresh ttl), so the simulator can put an event at exactly that instant and check invariant 3 there:
 * the instant another member could first take an expired lock.
 */
final class LeaseClock {
  private final Scheduler scheduler;
  private final Runnable atExpiry;
  private final Map<String, Lease> leases = new HashMap<>();
  private final Map<String, Instant> expiresAt = new HashMap<>();
  private final Map<String, Scheduler.Event> probes = new HashMap<>();

  /** {@code atExpiry} runs at every instant some lease is due to expire. */
  LeaseClock(Scheduler scheduler, Runnable atExpiry) {
    this.scheduler = scheduler;
    this.atExpiry = atExpiry;
  }

  void refreshed(Lease lease) {
    leases.put(lease.id(), lease);
    set(lease.id(), scheduler.now().plus(lease.ttl()));
  }

  void revoked(Lease lease) {
    leases.remove(lease.id());
    expiresAt.remove(lease.id());
    Scheduler.Event e = probes.remove(lease.id());
    if (e != null) {
      e.cancel();
    }
  }

  /** The DCS came back: as the store does, every lease runs at least a full ttl from now. */
  void dcsRestored() {
    for (Lease l : leases.values()) {
      Instant fresh = scheduler.now().plus(l.ttl());
      if (fresh.isAfter(expiresAt.get(l.id()))) {
        set(l.id(), fresh);
      }
    }
  }

  Optional<Instant> expiresAt(String leaseId) {
    return Optional.ofNullable(expiresAt.get(leaseId));
  }

  /** Whether the lease has run out by now (unknown leases count as run out). */
  boolean expired(String leaseId) {
    Instant at = expiresAt.get(leaseId);
    return at == null || !scheduler.now().isBefore(at);
  }

  private void set(String id, Instant at) {
    expiresAt.put(id, at);
    Scheduler.Event old = probes.remove(id);
    if (old != null) {
      old.cancel();
    }
    probes.put(id, scheduler.at(at, "lease " + id + " due", atExpiry));
  }
}
