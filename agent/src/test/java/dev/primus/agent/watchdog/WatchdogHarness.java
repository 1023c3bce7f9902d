package dev.primus.agent.watchdog;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The other end of {@code driver: testing}: a named pipe that a thread reads the way Patroni's acceptance
 * tests read theirs, noting what a real watchdog would have been told: {@code 1} is a keepalive, {@code V} the
 * magic close, {@code C} starts a command line such as {@code timeout=15}; the end of the stream is the device
 * closed, after which the pipe is opened again for the next writer. Everything read is kept as a transcript.
 */
public final class WatchdogHarness implements AutoCloseable {
  private final Path fifo;
  private final Thread reader;
  private final StringBuilder transcript = new StringBuilder();
  private int timeout = TestingWatchdogDevice.INITIAL_TIMEOUT;
  private int pings;
  private int magicCloses;
  private int opens;
  private int closes;
  private volatile boolean stopping;

  private WatchdogHarness(Path fifo) {
    this.fifo = fifo;
    this.reader = new Thread(this::read, "watchdog-harness " + fifo.getFileName());
    this.reader.setDaemon(true);
  }

  /** Makes a named pipe at {@code fifo} (with {@code mkfifo}) and starts reading it. */
  public static WatchdogHarness start(Path fifo) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("mkfifo " + fifo + " failed");
    }
    WatchdogHarness h = new WatchdogHarness(fifo);
    h.reader.start();
    return h;
  }

  public Path path() {
    return fifo;
  }

  private void read() {
    while (!stopping) {
      try (InputStream in = Files.newInputStream(fifo)) {
        synchronized (this) {
          opens++;
          notifyAll();
        }
        int c;
        while ((c = in.read()) != -1) {
          if (c == 'C') {
            StringBuilder command = new StringBuilder();
            int d;
            while ((d = in.read()) != -1 && d != '\n') {
              command.append((char) d);
            }
            received("C" + command + "\n", command.toString());
          } else {
            received(String.valueOf((char) c), null);
          }
        }
        synchronized (this) {
          closes++;
          notifyAll();
        }
      } catch (IOException e) {
        if (!stopping) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    }
  }

  private synchronized void received(String raw, String command) {
    transcript.append(raw);
    if (command != null && command.startsWith("timeout=")) {
      timeout = Integer.parseInt(command.substring("timeout=".length()));
    } else if (raw.equals("1")) {
      pings++;
    } else if (raw.equals("V")) {
      magicCloses++;
    }
    notifyAll();
  }

  /** Waits until {@code condition} holds of this harness, at most {@code within}; fails the test otherwise. */
  public synchronized void await(String what, Predicate<WatchdogHarness> condition, Duration within)
      throws InterruptedException {
    long end = System.nanoTime() + within.toNanos();
    while (!condition.test(this)) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("watchdog harness: no " + what + " within " + within + "; transcript "
            + transcript() + ", timeout " + timeout + ", pings " + pings + ", magic closes " + magicCloses);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** Everything the device wrote, in order, across opens. */
  public synchronized String transcript() {
    return transcript.toString();
  }

  /** The last timeout the device was told, in seconds (60 before any). */
  public synchronized int timeout() {
    return timeout;
  }

  public synchronized int pings() {
    return pings;
  }

  public synchronized int magicCloses() {
    return magicCloses;
  }

  /** How many times a writer opened the pipe. */
  public synchronized int opens() {
    return opens;
  }

  /** How many times a writer closed the pipe (with or without the magic close). */
  public synchronized int closes() {
    return closes;
  }

  /** Whether the device is open now. */
  public synchronized boolean open() {
    return opens > closes;
  }

  @Override
  public void close() throws Exception {
    stopping = true;
    if (reader.isAlive()) {
      // A reader waiting for its next writer is released by one that connects and leaves at once; that open
      // itself waits for a reader, hence its own thread, never joined for long.
      Thread unblock = new Thread(() -> {
        try (OutputStream out = Files.newOutputStream(fifo, java.nio.file.StandardOpenOption.WRITE)) {
          out.flush();
        } catch (IOException e) {
          // Gone already.
        }
      }, "watchdog-harness unblock");
      unblock.setDaemon(true);
      unblock.start();
      reader.join(5000);
    }
    Files.deleteIfExists(fifo);
  }
}
