package dev.primus.dcs.zookeeper;

import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.KeyValueStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Samples a store's connection state every 2 ms and keeps the sequence of distinct states. */
final class StateRecorder implements AutoCloseable {
  private final List<ConnectionState> transitions = new CopyOnWriteArrayList<>();
  private final Thread thread;

  StateRecorder(KeyValueStore store) {
    thread = new Thread(() -> {
      ConnectionState last = null;
      while (!Thread.currentThread().isInterrupted()) {
        ConnectionState now = store.connectionState();
        if (now != last) {
          transitions.add(now);
          last = now;
        }
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "state-recorder");
    thread.setDaemon(true);
    thread.start();
  }

  List<ConnectionState> transitions() {
    return List.copyOf(transitions);
  }

  @Override
  public void close() {
    thread.interrupt();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
