package dev.primus.dcs.spi;

import java.util.Objects;

/**
 * The store could not answer. Expected conflicts are never thrown: they are {@link WriteResult} and
 * {@link DeleteResult} values.
 *
 * <p>The {@link Kind} classifies whether a retry is safe, so callers never guess.
 */
public final class DcsException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong, and so whether repeating the request is safe. */
  public enum Kind {
    /** The store was not reached; nothing was applied. Safe to retry. */
    UNAVAILABLE(true, false),
    /**
     * The request was sent but no answer came in time; it may or may not have been applied. Safe to
     * retry only for idempotent or conditional (CAS, create-if-absent) requests, after re-reading.
     */
    TIMEOUT(true, true),
    /** Credentials were refused. Not retryable until the configuration changes. */
    AUTHENTICATION(false, false),
    /** The store rejected the request itself (bad key, value too large). Not retryable. */
    INVALID_REQUEST(false, false),
    /** The lease named in the request no longer exists. Grant a new one; do not retry as is. */
    LEASE_NOT_FOUND(false, false),
    /** Anything else the backend could not classify. Not retryable. */
    INTERNAL(false, false);

    private final boolean retryable;
    private final boolean outcomeUnknown;

    Kind(boolean retryable, boolean outcomeUnknown) {
      this.retryable = retryable;
      this.outcomeUnknown = outcomeUnknown;
    }

    public boolean retryable() {
      return retryable;
    }

    public boolean outcomeUnknown() {
      return outcomeUnknown;
    }
  }

  private final Kind kind;

  public DcsException(Kind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public DcsException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public Kind kind() {
    return kind;
  }

  /** Whether the same request may be sent again. */
  public boolean retryable() {
    return kind.retryable();
  }
}
