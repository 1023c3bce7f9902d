package dev.primus.bench.failover;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Health checks at a fixed rate, as load balancers send them: {@code GET /primary} and {@code GET /replica}
 * to every member's REST API, {@code perMember} requests per second per member, half on each path.
 *
 * <p>Open loop: for each member and path a dispatcher thread sets the moment each request is due (one every
 * {@code 2e9 / perMember} ns, never skipped or made up as a burst beyond what fell behind) and hands it to
 * {@value #CONNECTIONS} worker threads, each with its own keep-alive HTTP/1.1 connection. A request's latency
 * runs from the moment it was <em>due</em> until its answer was read: a slow answer delays the requests
 * queued behind it, and that waiting counts (a closed-loop tool such as wrk, which sends the next request
 * when the previous one is answered, would leave it out). Any HTTP status is an answer (503 is how a replica
 * answers {@code /primary}); a refused connection (a member killed) or an I/O error is a failure and has no
 * latency. A request that cannot be answered within {@value #TIMEOUT_MILLIS} ms fails and its connection is
 * opened again.
 */
final class RestLoad implements AutoCloseable {
  static final List<String> PATHS = List.of("/primary", "/replica");
  /** Connections (and worker threads) per member and path. */
  static final int CONNECTIONS = 8;
  static final int TIMEOUT_MILLIS = 5000;
  /** Failure codes kept instead of an HTTP status. */
  static final int REFUSED = -1;
  static final int ERROR = -2;

  private final int perMember;
  private final List<Target> targets = new ArrayList<>();
  private volatile boolean running = true;
  private final AtomicLong notSent = new AtomicLong();

  private RestLoad(int perMember) {
    this.perMember = perMember;
  }

  /** Starts sending at once. */
  static RestLoad start(List<Node> nodes, int perMember) {
    if (perMember < PATHS.size()) {
      throw new IllegalArgumentException("at least " + PATHS.size() + " requests per second per member");
    }
    RestLoad load = new RestLoad(perMember);
    long interval = (long) (1e9 * PATHS.size() / perMember);
    long start = System.nanoTime();
    int k = 0;
    for (Node n : nodes) {
      for (String path : PATHS) {
        // Staggered, so the members' and paths' requests do not all fall due together.
        long first = start + interval * k / (nodes.size() * PATHS.size());
        load.targets.add(load.new Target(n, path, interval, first));
        k++;
      }
    }
    load.targets.forEach(Target::start);
    return load;
  }

  int perMember() {
    return perMember;
  }

  /** Requests never sent because too many were waiting for a connection (the queue holds 30 s worth). */
  long notSent() {
    return notSent.get();
  }

  /**
   * What the requests due in {@code [from, to)} (nanoTime) got.
   */
  Figures figures(long from, long to) {
    List<long[]> latencies = new ArrayList<>();
    long answered = 0;
    long refused = 0;
    long errors = 0;
    long non200 = 0;
    for (Target t : targets) {
      for (Worker w : t.workers) {
        synchronized (w) {
          long[] lat = new long[w.size];
          int m = 0;
          for (int i = 0; i < w.size; i++) {
            if (w.due[i] < from || w.due[i] >= to) {
              continue;
            }
            int status = w.status[i];
            if (status == REFUSED) {
              refused++;
            } else if (status == ERROR) {
              errors++;
            } else {
              answered++;
              if (status != 200) {
                non200++;
              }
              lat[m++] = w.latency[i];
            }
          }
          latencies.add(Arrays.copyOf(lat, m));
        }
      }
    }
    long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    return new Figures((to - from) / 1e9, answered, non200, refused, errors, Quantiles.ofNanos(all));
  }

  /**
   * @param seconds  the window
   * @param answered requests answered with any HTTP status
   * @param non200   of those, answered other than 200 (a replica's /primary, a primary's /replica)
   * @param refused  connections refused (the member was down)
   * @param errors   other failures: timeouts, connections reset
   * @param latency  of the answered ones, from due to answer read
   */
  record Figures(double seconds, long answered, long non200, long refused, long errors, Quantiles latency) {
    double answeredPerSecond() {
      return seconds > 0 ? answered / seconds : Double.NaN;
    }
  }

  /** p50, p99 (nearest rank) and max of a set of durations, in milliseconds; NaN when empty. */
  record Quantiles(long count, double p50, double p99, double max) {
    static Quantiles ofNanos(long[] sorted) {
      if (sorted.length == 0) {
        return new Quantiles(0, Double.NaN, Double.NaN, Double.NaN);
      }
      return new Quantiles(sorted.length, rank(sorted, 0.50) / 1e6, rank(sorted, 0.99) / 1e6,
          sorted[sorted.length - 1] / 1e6);
    }

    static Quantiles ofMillis(double[] values) {
      double[] v = values.clone();
      Arrays.sort(v);
      if (v.length == 0) {
        return new Quantiles(0, Double.NaN, Double.NaN, Double.NaN);
      }
      return new Quantiles(v.length, v[rankIndex(v.length, 0.50)], v[rankIndex(v.length, 0.99)], v[v.length - 1]);
    }

    private static long rank(long[] sorted, double q) {
      return sorted[rankIndex(sorted.length, q)];
    }

    private static int rankIndex(int n, double q) {
      return Math.max(0, (int) Math.ceil(q * n) - 1);
    }

    String format() {
      return count == 0 ? "-" : String.format(Locale.ROOT, "%.1f / %.1f / %.1f", p50, p99, max);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Target t : targets) {
      t.dispatcher.interrupt();
      t.workers.forEach(w -> w.thread.interrupt());
    }
    for (Target t : targets) {
      t.dispatcher.join(2000);
      for (Worker w : t.workers) {
        w.thread.join(TIMEOUT_MILLIS + 1000L);
      }
    }
  }

  /** One member and path: its dispatcher and its workers. */
  private final class Target {
    final Node node;
    final String path;
    final long interval;
    final long first;
    final BlockingQueue<Long> due;
    final Thread dispatcher;
    final List<Worker> workers = new ArrayList<>();

    Target(Node node, String path, long interval, long first) {
      this.node = node;
      this.path = path;
      this.interval = interval;
      this.first = first;
      this.due = new ArrayBlockingQueue<>((int) Math.max(1000, 30_000_000_000L / interval));
      this.dispatcher = new Thread(this::dispatch, "rest-load-" + node.name() + path);
      this.dispatcher.setDaemon(true);
      for (int i = 0; i < CONNECTIONS; i++) {
        workers.add(new Worker(this, i));
      }
    }

    void start() {
      workers.forEach(w -> w.thread.start());
      dispatcher.start();
    }

    private void dispatch() {
      long next = first;
      while (running) {
        long now = System.nanoTime();
        if (next > now) {
          LockSupport.parkNanos(next - now);
          continue;
        }
        if (!due.offer(next)) {
          notSent.incrementAndGet();
        }
        next += interval;
      }
    }
  }

  /** One connection, used for one request at a time; its samples kept in growing arrays. */
  private final class Worker {
    final Target target;
    final Thread thread;
    final byte[] request;
    long[] due = new long[4096];
    long[] latency = new long[4096];
    int[] status = new int[4096];
    int size;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    Worker(Target target, int i) {
      this.target = target;
      this.thread = new Thread(this::run, "rest-load-" + target.node.name() + target.path + "-" + i);
      this.thread.setDaemon(true);
      this.request = ("GET " + target.path + " HTTP/1.1\r\nHost: 127.0.0.1:" + target.node.restPort()
          + "\r\nUser-Agent: primus-bench-rest-load\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private void run() {
      while (running) {
        long dueAt;
        try {
          Long d = target.due.poll(200, TimeUnit.MILLISECONDS);
          if (d == null) {
            continue;
          }
          dueAt = d;
        } catch (InterruptedException e) {
          break;
        }
        int code = send();
        record(dueAt, System.nanoTime() - dueAt, code);
      }
      closeSocket();
    }

    private synchronized void record(long dueAt, long nanos, int code) {
      if (size == due.length) {
        due = Arrays.copyOf(due, size * 2);
        latency = Arrays.copyOf(latency, size * 2);
        status = Arrays.copyOf(status, size * 2);
      }
      due[size] = dueAt;
      latency[size] = nanos;
      status[size] = code;
      size++;
    }

    /** One request on the open connection (opened first if needed); the HTTP status, or a failure code. */
    private int send() {
      try {
        if (socket == null) {
          Socket s = new Socket();
          s.setTcpNoDelay(true);
          s.setSoTimeout(TIMEOUT_MILLIS);
          try {
            s.connect(new InetSocketAddress("127.0.0.1", target.node.restPort()), 1000);
          } catch (ConnectException e) {
            s.close();
            return REFUSED;
          }
          socket = s;
          in = new BufferedInputStream(s.getInputStream(), 8192);
          out = s.getOutputStream();
        }
        out.write(request);
        out.flush();
        return readResponse();
      } catch (IOException | RuntimeException e) {
        closeSocket();
        return ERROR;
      }
    }

    /** Reads the status line, the headers and a Content-Length or chunked body; closes when told to. */
    private int readResponse() throws IOException {
      String statusLine = line();
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP answer: " + statusLine);
      }
      int code = Integer.parseInt(parts[1]);
      long length = 0;
      boolean chunked = false;
      boolean close = parts[0].equals("HTTP/1.0");
      for (String h = line(); !h.isEmpty(); h = line()) {
        String lower = h.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(lower.substring(15).trim());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        } else if (lower.startsWith("connection:")) {
          close = lower.contains("close");
        }
      }
      if (chunked) {
        for (long n = Long.parseLong(line().split(";")[0].trim(), 16); n > 0;
            n = Long.parseLong(line().split(";")[0].trim(), 16)) {
          skip(n);
          line();
        }
        while (!line().isEmpty()) {
          // trailers
        }
      } else {
        skip(length);
      }
      if (close) {
        closeSocket();
      }
      return code;
    }

    private String line() throws IOException {
      StringBuilder sb = new StringBuilder();
      while (true) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("connection closed");
        }
        if (b == '\n') {
          int n = sb.length();
          return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
        }
        sb.append((char) b);
      }
    }

    private void skip(long n) throws IOException {
      while (n > 0) {
        long s = in.skip(n);
        if (s <= 0) {
          if (in.read() < 0) {
            throw new IOException("connection closed");
          }
          s = 1;
        }
        n -= s;
      }
    }

    private void closeSocket() {
      if (socket != null) {
        try {
          socket.close();
        } catch (IOException e) {
          // Closed anyway.
        }
      }
      socket = null;
      in = null;
      out = null;
    }
  }
}
