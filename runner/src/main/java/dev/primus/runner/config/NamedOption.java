package dev.primus.runner.config;

import java.util.Objects;
import java.util.Optional;

/**
 * One option of a tool's command line as Patroni lists them: a flag ({@code - data-checksums}) or a
 * single-key mapping ({@code - encoding: UTF8}). Used by {@code bootstrap.initdb} and
 * {@code postgresql.basebackup}.
 *
 * @param name  the option without dashes
 * @param value its value, empty for a flag
 */
public record NamedOption(String name, Optional<String> value) {
  public NamedOption {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
  }

  public static NamedOption flag(String name) {
    return new NamedOption(name, Optional.empty());
  }

  public static NamedOption of(String name, String value) {
    return new NamedOption(name, Optional.of(value));
  }
}
