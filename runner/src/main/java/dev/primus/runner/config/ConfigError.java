package dev.primus.runner.config;

import java.util.Objects;

/**
 * One reason a configuration cannot be used.
 *
 * @param kind    what sort of problem
 * @param path    the key's full path, e.g. {@code postgresql.data_dir} or {@code bootstrap.initdb[1]};
 *                the environment variable's name for a bad override; empty for the file as a whole
 * @param message what is wrong, for an operator
 */
public record ConfigError(Kind kind, String path, String message) {

  /** The classes of configuration error. */
  public enum Kind {
    /** The file is not YAML, or its top level is not a mapping, or it cannot be read. */
    SYNTAX,
    /** A key no section knows (usually a typo; the message suggests the nearest known key). */
    UNKNOWN_KEY,
    /** A value of the wrong type, e.g. a list where a number belongs. */
    WRONG_TYPE,
    /** A required key is absent. */
    MISSING,
    /** A value of the right type that is not allowed, e.g. a port above 65535. */
    INVALID_VALUE,
    /** A rule across several keys, e.g. "exactly one DCS section". */
    INCONSISTENT,
    /** A Patroni key Primus does not implement and cannot ignore safely, e.g. {@code standby_cluster}. */
    UNSUPPORTED
  }

  public ConfigError {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return path.isEmpty() ? message : path + ": " + message;
  }
}
