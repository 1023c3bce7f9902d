package dev.primus.runner.config;

import java.util.List;
import java.util.Objects;

/** What loading a configuration gave: a usable config, or every reason it is not usable. */
public sealed interface ConfigLoadResult {

  /** Warnings found either way; the library never prints them. */
  List<ConfigWarning> warnings();

  /** The configuration is valid. */
  record Loaded(PatroniConfig config, List<ConfigWarning> warnings) implements ConfigLoadResult {
    public Loaded {
      Objects.requireNonNull(config, "config");
      warnings = List.copyOf(warnings);
    }
  }

  /** The configuration is not valid; {@code errors} is never empty and lists every problem found. */
  record Invalid(List<ConfigError> errors, List<ConfigWarning> warnings) implements ConfigLoadResult {
    public Invalid {
      errors = List.copyOf(errors);
      if (errors.isEmpty()) {
        throw new IllegalArgumentException("an invalid configuration needs at least one error");
      }
      warnings = List.copyOf(warnings);
    }

    /** Every error, one per line, for an operator. */
    public String describe() {
      StringBuilder sb = new StringBuilder();
      for (ConfigError e : errors) {
        sb.append(e).append('\n');
      }
      return sb.toString();
    }
  }

  /** The config, or an {@link IllegalStateException} listing the errors. */
  default PatroniConfig orThrow() {
    if (this instanceof Loaded l) {
      return l.config();
    }
    throw new IllegalStateException("invalid configuration:\n" + ((Invalid) this).describe());
  }
}
