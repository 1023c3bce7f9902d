package dev.primus.dcs.spi;

import java.util.Objects;

/**
 * What a {@link KeyValueStoreContract} subclass supplies, from {@link KeyValueStoreContract#outageControl()},
 * when its test harness can cut every client off the store and restore it: stop and restart the server
 * (keeping its port and data), kill and restart every member of an ensemble, or cut a proxy in front
 * of it. Being able to do this is a property of the harness, not of the store, which is why the kit
 * asks the test class and not {@link KeyValueStore#capabilities()}.
 *
 * <p>The kit calls both from the check's thread: {@link #makeReachable()} follows every
 * {@link #makeUnreachable()}, even when the check, or {@code makeUnreachable()} itself, failed in
 * between; if {@code makeReachable()} throws, the kit calls it once more when it cleans up after the
 * check. So {@code makeReachable()} must cope with a store that is partly or already reachable.
 */
public interface OutageControl {

  /** Makes the store unreachable for every client the kit opened. */
  void makeUnreachable() throws Exception;

  /** Undoes {@link #makeUnreachable()}: the same store, with its data, is reachable again. */
  void makeReachable() throws Exception;

  /** A step of an outage; may throw whatever the harness throws. */
  @FunctionalInterface
  interface Step {
    void run() throws Exception;
  }

  /**
   * An outage control made of two steps, e.g. {@code OutageControl.of(server::stop, server::restart)}.
   */
  static OutageControl of(Step makeUnreachable, Step makeReachable) {
    Objects.requireNonNull(makeUnreachable, "makeUnreachable");
    Objects.requireNonNull(makeReachable, "makeReachable");
    return new OutageControl() {
      @Override
      public void makeUnreachable() throws Exception {
        makeUnreachable.run();
      }

      @Override
      public void makeReachable() throws Exception {
        makeReachable.run();
      }
    };
  }
}
