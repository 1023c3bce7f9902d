package dev.primus.runner.wiring;

import dev.primus.dcs.spi.DcsProvider;
import dev.primus.dcs.spi.DcsProviders;
import dev.primus.ha.driver.DatabaseProvider;
import dev.primus.ha.driver.DatabaseProviders;
import java.util.Map;

/**
 * Chooses the DCS provider named by the configuration's DCS section and the database provider
 * ({@code postgres} unless told otherwise), with {@link ServiceLoader} on the given class loader. Only
 * the chosen ones are used. A missing one fails with the names that were found and the Maven artifact
 * (or plugin jar) that provides the one asked for.
 */
public final class Backends {
  /** The database provider when none is named. */
  public static final String DEFAULT_DATABASE = DatabaseProviders.DEFAULT;

  private static final Map<String, String> DCS_ARTIFACTS = Map.of(
      "etcd3", "dev.primus:primus-dcs-etcd",
      "zookeeper", "dev.primus:primus-dcs-zookeeper",
      "consul", "dev.primus:primus-dcs-consul");

  private Backends() {}

  /** A backend the configuration asks for is not on the class path or in plugins/. */
  public static final class MissingBackendException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    MissingBackendException(String message) {
      super(message);
    }
  }

  /** The DCS provider for the section {@code name} ({@code etcd3}, {@code zookeeper}, {@code consul}, ...). */
  public static DcsProvider dcs(ClassLoader loader, String name) {
    DcsProviders providers = DcsProviders.load(loader);
    if (!providers.names().contains(name)) {
      throw new MissingBackendException("no DCS provider named '" + name + "' (found: "
          + (providers.names().isEmpty() ? "none" : String.join(", ", providers.names())) + "). Add "
          + DCS_ARTIFACTS.getOrDefault(name, "the vendor's jar that provides '" + name + "'")
          + " to the class path, or put its jar (with its dependencies) into the plugins/ directory");
    }
    return providers.select(name);
  }

  /** The database provider called {@code name} ({@link DatabaseProviders}). */
  public static DatabaseProvider database(ClassLoader loader, String name) {
    try {
      return DatabaseProviders.load(loader).select(name);
    } catch (DatabaseProviders.UnknownProviderException e) {
      throw new MissingBackendException(e.getMessage());
    }
  }
}
