package dev.primus.runner.config;

import java.util.Objects;

/**
 * Something the operator should know that does not stop the agent, e.g. a Patroni key Primus does not
 * implement yet and therefore ignores.
 *
 * @param path    the key's full path, or the environment variable's name
 * @param message what will happen
 */
public record ConfigWarning(String path, String message) {
  public ConfigWarning {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return path + ": " + message;
  }
}
