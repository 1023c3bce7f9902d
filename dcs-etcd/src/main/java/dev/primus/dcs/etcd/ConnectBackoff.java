package dev.primus.dcs.etcd;

import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Optional;

/**
 * Cuts gRPC's reconnect backoff short while etcd is unreachable.
 *
 * <p>After failed connection attempts gRPC waits 1 s, 1.6 s, 2.6 s, ... up to 120 s before trying
 * again, and a request made meanwhile fails at once without trying. After a five-minute etcd outage
 * the store could thus stay unavailable for up to two more minutes although etcd is back, and an HA
 * cluster would stay leaderless that long. {@link ManagedChannel#resetConnectBackoff()} is gRPC's answer
 * ("the application knows the network may be back"); the store calls it before each request while it
 * is not connected, so every request also tries to connect, as Patroni's per-request HTTP client does.
 *
 * <p>jetcd does not expose its channel, so it is reached by reflection
 * ({@code ClientImpl.connectionManager.getChannel()}). If a jetcd upgrade moves it, this degrades to a
 * no-op and {@code ConnectBackoffTest} fails, so the upgrade cannot slip through unnoticed.
 */
final class ConnectBackoff {
  private final ManagedChannel channel;

  private ConnectBackoff(ManagedChannel channel) {
    this.channel = channel;
  }

  static ConnectBackoff of(Client client) {
    return new ConnectBackoff(channelOf(client).orElse(null));
  }

  /** Whether the channel was found, so {@link #reset()} has an effect. */
  boolean effective() {
    return channel != null;
  }

  /** Lets the next request try to connect at once instead of waiting out the backoff. */
  void reset() {
    if (channel != null) {
      channel.resetConnectBackoff();
    }
  }

  static Optional<ManagedChannel> channelOf(Client client) {
    try {
      Field manager = client.getClass().getDeclaredField("connectionManager");
      manager.setAccessible(true);
      Object connectionManager = manager.get(client);
      Method getChannel = connectionManager.getClass().getDeclaredMethod("getChannel");
      getChannel.setAccessible(true);
      return Optional.ofNullable((ManagedChannel) getChannel.invoke(connectionManager));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
