package dev.primus.dcs.consul;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on 127.0.0.1 between the stores under test and a Consul agent, so a test can cut
 * every client off ({@link #cut()}: the port refuses connections and open ones are closed) and let them
 * back ({@link #restore()}, same port) while the agent keeps running with its data and sessions. It
 * works the same in front of a local {@code consul} process and a container.
 */
final class TcpProxy implements AutoCloseable {
  private final InetSocketAddress target;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private ServerSocket listener;

  private TcpProxy(InetSocketAddress target, int port) {
    this.target = target;
    this.port = port;
  }

  /** A proxy on a free local port to {@code host:targetPort}, accepting at once. */
  static TcpProxy start(String host, int targetPort) throws IOException {
    ServerSocket first = bind(0);
    TcpProxy proxy = new TcpProxy(new InetSocketAddress(host, targetPort), first.getLocalPort());
    proxy.accept(first);
    return proxy;
  }

  int port() {
    return port;
  }

  /** Refuses new connections and drops the open ones. */
  synchronized void cut() throws IOException {
    if (listener != null) {
      listener.close();
      listener = null;
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
    open.clear();
  }

  /** Accepts connections again on the same port. */
  synchronized void restore() throws IOException {
    if (listener == null) {
      accept(bind(port));
    }
  }

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true); // rebinding the same port right after cut() must not wait for TIME_WAIT
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    return s;
  }

  private synchronized void accept(ServerSocket socket) {
    listener = socket;
    Thread t = new Thread(() -> {
      while (!socket.isClosed()) {
        try {
          Socket client = socket.accept();
          forward(client);
        } catch (IOException e) {
          return; // closed by cut() or close()
        }
      }
    }, "tcp-proxy-accept-" + port);
    t.setDaemon(true);
    t.start();
  }

  private void forward(Socket client) {
    Socket upstream = new Socket();
    try {
      upstream.connect(target, 2_000);
    } catch (IOException e) {
      closeQuietly(client);
      closeQuietly(upstream);
      return;
    }
    open.add(client);
    open.add(upstream);
    pump(client, upstream);
    pump(upstream, client);
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        in.transferTo(out);
      } catch (IOException e) {
        // One side closed or was cut: close both below.
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }, "tcp-proxy-pump-" + port);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // Already closed.
    }
  }

  @Override
  public void close() throws IOException {
    cut();
  }
}
