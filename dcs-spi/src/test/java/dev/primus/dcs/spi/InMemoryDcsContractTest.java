package dev.primus.dcs.spi;

import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-memory store against the contract kit, on the system clock: the kit measures lease expiry
 * and watch latency in real time, as it must for real servers, and has no hook to move a virtual
 * clock, so the store runs on real time here. Its expiry is exact, so each lease check costs one ttl
 * (2 s, the kit's default) and no more. A fresh server per check; the outage hooks take the whole DCS
 * down, which is what a stopped server does to every client.
 */
final class InMemoryDcsContractTest extends KeyValueStoreContract {
  private final InMemoryDcs dcs = new InMemoryDcs(Clock.systemUTC());
  private final AtomicInteger clients = new AtomicInteger();

  @Override
  protected KeyValueStore newClient() {
    return dcs.client("kit-" + clients.incrementAndGet());
  }

  @Override
  protected Optional<OutageControl> outageControl() {
    return Optional.of(OutageControl.of(() -> dcs.setAvailable(false), () -> dcs.setAvailable(true)));
  }
}
