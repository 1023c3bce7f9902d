package dev.primus.runner;

import dev.primus.dcs.spi.DcsProvider;
import dev.primus.dcs.spi.DcsProviders;
import dev.primus.ha.driver.DatabaseProvider;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Chooses the DCS provider named by the configuration's DCS section and the database provider
 * ({@code postgres} unless told otherwise), with {@link ServiceLoader} on the given class loader. Only
 * the chosen ones are used. A missing one fails with the names that were found and the Maven artifact
 * (or plugin jar) that provides the one asked for.
 */
public final class Backends {
  /** The database provider when none is named. */
  public static final String DEFAULT_DATABASE = "postgres";

  private static final Map<String, String> DCS_ARTIFACTS = Map.of(
      "etcd3", "dev.primus:primus-dcs-etcd",
      "zookeeper", "dev.primus:primus-dcs-zookeeper",
      "consul", "dev.primus:primus-dcs-consul");
  private static final Map<String, String> DATABASE_ARTIFACTS = Map.of(
      "postgres", "dev.primus:primus-db-postgres",
      "opengauss", "dev.primus:primus-db-opengauss");

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

  /** The database provider called {@code name}. Two providers with one name are an error. */
  public static DatabaseProvider database(ClassLoader loader, String name) {
    Map<String, DatabaseProvider> byName = new TreeMap<>();
    try {
      for (DatabaseProvider p : ServiceLoader.load(DatabaseProvider.class, loader)) {
        DatabaseProvider previous = byName.putIfAbsent(p.name(), p);
        if (previous != null) {
          throw new IllegalStateException("two database providers are named '" + p.name() + "': "
              + previous.getClass().getName() + " and " + p.getClass().getName() + "; remove one of their jars");
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new IllegalStateException("a database provider could not be loaded: " + e.getMessage(), e);
    }
    DatabaseProvider p = byName.get(name);
    if (p == null) {
      throw new MissingBackendException("no database provider named '" + name + "' (found: "
          + (byName.isEmpty() ? "none" : String.join(", ", byName.keySet())) + "). Add "
          + DATABASE_ARTIFACTS.getOrDefault(name, "the vendor's jar that provides '" + name + "'")
          + " to the class path, or put its jar (with its dependencies) into the plugins/ directory");
    }
    return p;
  }
}
