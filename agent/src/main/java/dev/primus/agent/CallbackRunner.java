package dev.primus.agent;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs callback scripts as child processes of the agent, the way Patroni runs them: in the background, one
 * at a time, the newest replacing the one still running (it is killed with its children, and a script
 * waiting to start is dropped), except {@code on_reload}, which has a lane of its own so that a reload does
 * not cut short a role change. A script still running after its timeout is killed. Each line it prints goes
 * to the agent log; a missing or non-executable program is logged as such and not run.
 *
 * <p>{@link #launch} never blocks: the HA loop and the long-action thread only hand the script over. The
 * scripts run as the agent's OS user, with the agent's environment, from its working directory.
 */
final class CallbackRunner implements ScriptRunner, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CallbackRunner.class);
  /** Lines of a script's output taken into the log per run; a runaway script must not flood it. */
  static final int MAX_LOGGED_LINES = 200;
  private static final int MAX_LINE = 2000;
  private static final File DEV_NULL = new File("/dev/null");

  private final Lane main = new Lane("primus-callbacks");
  private final Lane reloads = new Lane("primus-callback-on-reload");
  private final String path;

  CallbackRunner() {
    this(Optional.ofNullable(System.getenv("PATH")).orElse("/usr/local/bin:/usr/bin:/bin"));
  }

  /** @param path where programs named without a slash are looked for ({@code PATH}) */
  CallbackRunner(String path) {
    this.path = Objects.requireNonNull(path, "path");
  }

  @Override
  public void launch(Script script) {
    Objects.requireNonNull(script, "script");
    (script.name().equals(CallbackEvent.ON_RELOAD.wire()) ? reloads : main).submit(new Run(script));
  }

  @Override
  public Outcome run(Script script) {
    return execute(new Run(script), p -> { });
  }

  /**
   * Stops taking scripts and waits up to {@code wait} for those handed over to finish (an {@code on_stop} at
   * shutdown should get to run); whatever still runs after that is left running.
   */
  void close(Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    main.close(deadline);
    reloads.close(deadline);
  }

  @Override
  public void close() {
    close(Duration.ZERO);
  }

  /**
   * The file {@code program} names: itself when it holds a slash, else the first executable of that name in
   * {@code path}.
   *
   * @throws IllegalArgumentException saying why it cannot be run (missing, a directory, not executable)
   */
  static Path locate(String program, String path) {
    if (program.contains("/")) {
      Path p = Path.of(program);
      if (!Files.exists(p)) {
        throw new IllegalArgumentException(program + " does not exist");
      }
      if (Files.isDirectory(p)) {
        throw new IllegalArgumentException(program + " is a directory");
      }
      if (!Files.isExecutable(p)) {
        throw new IllegalArgumentException(program + " is not executable (chmod +x " + program + ")");
      }
      return p;
    }
    for (String dir : path.split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalArgumentException(program + " is not found in PATH (" + path + ")");
  }

  /** One run of a script; {@code replacedBy} is set when a newer script killed it. */
  private static final class Run {
    final Script script;
    volatile String replacedBy;

    Run(Script script) {
      this.script = Objects.requireNonNull(script, "script");
    }

    String label() {
      return script.name();
    }
  }

  /** Starts the run, tells {@code started} the process, waits for it within the timeout, logs how it ended. */
  private Outcome execute(Run run, java.util.function.Consumer<Process> started) {
    Script s = run.script;
    List<String> argv = new ArrayList<>(s.argv());
    try {
      argv.set(0, locate(argv.get(0), path).toString());
    } catch (IllegalArgumentException e) {
      LOG.error("{}: {}; the script was not run", run.label(), e.getMessage());
      return new Outcome.NotRun(e.getMessage());
    }
    Process p;
    try {
      p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
          .start();
    } catch (IOException | RuntimeException e) {
      LOG.error("{}: {} could not be started: {}", run.label(), s.argv().get(0), e.getMessage());
      return new Outcome.NotRun(String.valueOf(e.getMessage()));
    }
    long t0 = System.nanoTime();
    LOG.info("{}: running {} (pid {})", run.label(), String.join(" ", s.argv()), p.pid());
    started.accept(p);
    Thread pump = new Thread(() -> pumpOutput(run, p), "primus-callback-output");
    pump.setDaemon(true);
    pump.start();
    boolean exited;
    try {
      exited = p.waitFor(s.timeout().toMillis(), TimeUnit.MILLISECONDS);
      if (!exited) {
        LOG.warn("{}: still running after {} s (callback_timeout); killed", run.label(), s.timeout().toSeconds());
        killTree(p);
        p.waitFor(5, TimeUnit.SECONDS);
      }
      pump.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      killTree(p);
      return new Outcome.NotRun("interrupted while waiting for it");
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    if (!exited) {
      return new Outcome.TimedOut(s.timeout());
    }
    int code = p.exitValue();
    if (run.replacedBy != null) {
      LOG.info("{}: killed after {} ms, replaced by {}", run.label(), ms, run.replacedBy);
    } else if (code == 0) {
      LOG.info("{}: finished in {} ms", run.label(), ms);
    } else {
      LOG.warn("{}: exited with code {} after {} ms", run.label(), code, ms);
    }
    return new Outcome.Exited(code);
  }

  private static void pumpOutput(Run run, Process p) {
    int lines = 0;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (++lines <= MAX_LOGGED_LINES) {
          LOG.info("{}: {}", run.label(), line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "..." : line);
        }
      }
    } catch (IOException e) {
      // The process was killed, or the pipe closed: nothing more to read.
    }
    if (lines > MAX_LOGGED_LINES) {
      LOG.info("{}: {} more lines of output not logged", run.label(), lines - MAX_LOGGED_LINES);
    }
  }

  /** SIGKILL to the script and everything it started, as Patroni kills a replaced callback. */
  static void killTree(Process p) {
    // The tree is listed first (once the script dies its children belong to init and are no longer found),
    // then the script dies before its children: killed the other way round, a script waiting on a child
    // would run its next line in between.
    java.util.List<ProcessHandle> tree = p.descendants().toList();
    p.destroyForcibly();
    tree.forEach(ProcessHandle::destroyForcibly);
  }

  /** One background thread and the newest script waiting for it. */
  private final class Lane {
    private final String threadName;
    private Thread thread;
    private Run pending;
    private Run current;
    private Process running;
    private boolean closed;

    Lane(String threadName) {
      this.threadName = threadName;
    }

    synchronized void submit(Run run) {
      if (closed) {
        LOG.warn("{}: the agent is shutting down; the script was not run", run.label());
        return;
      }
      if (pending != null) {
        LOG.info("{}: dropped before it started, replaced by {}", pending.label(), run.label());
      }
      pending = run;
      if (running != null && running.isAlive()) {
        current.replacedBy = run.label();
        killTree(running);
      }
      if (thread == null) {
        thread = new Thread(this::work, threadName);
        thread.setDaemon(true);
        thread.start();
      }
      notifyAll();
    }

    private void work() {
      while (true) {
        Run run;
        synchronized (this) {
          while (pending == null && !closed) {
            try {
              wait();
            } catch (InterruptedException e) {
              return;
            }
          }
          if (pending == null) {
            return;
          }
          run = pending;
          pending = null;
          current = run;
        }
        execute(run, p -> started(run, p));
        synchronized (this) {
          running = null;
          current = null;
          notifyAll();
        }
      }
    }

    /** A newer script handed over while this one was starting replaces it at once. */
    private synchronized void started(Run run, Process p) {
      running = p;
      if (pending != null) {
        run.replacedBy = pending.label();
        killTree(p);
      }
    }

    synchronized void close(long deadlineNanos) {
      closed = true;
      notifyAll();
      while (pending != null || current != null) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
