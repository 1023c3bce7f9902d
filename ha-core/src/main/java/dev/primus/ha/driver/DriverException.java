package dev.primus.ha.driver;

import java.util.Objects;

/** A driver operation failed. {@link #kind()} tells the executor what kind of failure it was. */
public final class DriverException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Failure classes the executor and the operator act on differently. */
  public enum Kind {
    /** A binary or file the driver needs is missing; the message names every place searched. */
    NOT_INSTALLED,
    /** The configuration is unusable (the message names the key). */
    INVALID_CONFIG,
    /** An external command exited non-zero; the message names it and points at its log. */
    COMMAND_FAILED,
    /** An operation did not finish within its deadline. */
    TIMEOUT,
    /** The database could not be reached over its protocol. */
    CONNECTION,
    /**
     * The driver refused to do something destructive, e.g. overwrite a data directory that holds
     * another cluster, or run the server as root.
     */
    REFUSED
  }

  private final Kind kind;

  public DriverException(Kind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public DriverException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public Kind kind() {
    return kind;
  }
}
