package dev.primus.runner.wiring;

import java.io.InputStream;
import java.util.Map;

/**
 * What a subcommand of {@code primus} gets from the process it runs in: its environment (for the
 * {@code PRIMUS_*} and {@code PATRONI_*} overrides), where confirmations are read from, and a way to say that
 * the process is shutting down by itself (so the main method does not exit under a shutdown hook).
 */
public interface CommandContext {

  /** The environment commands read. */
  Map<String, String> env();

  /** Where confirmations are read from. */
  InputStream in();

  /** The JVM's shutdown began (a command with shutdown hooks of its own): the main method must not exit. */
  void markShuttingDown();
}
