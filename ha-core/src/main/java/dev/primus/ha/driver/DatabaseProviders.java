package dev.primus.ha.driver;

import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Finds {@link DatabaseProvider}s with {@link ServiceLoader} through an explicit {@link ClassLoader}, the
 * way {@code DcsProviders} finds DCS backends: only the chosen provider builds a driver; an unknown name
 * fails with the names that were found and the artifact that provides the one asked for; two providers
 * claiming one name fail too, naming both classes.
 */
public final class DatabaseProviders {
  /** The provider used when a configuration names none. */
  public static final String DEFAULT = "postgres";

  private static final Map<String, String> ARTIFACTS = Map.of(
      "postgres", "dev.primus:primus-db-postgres",
      "opengauss", "dev.primus:primus-db-opengauss");

  private final Map<String, DatabaseProvider> byName;

  private DatabaseProviders(Map<String, DatabaseProvider> byName) {
    this.byName = byName;
  }

  /** Every provider visible to {@code loader}. */
  public static DatabaseProviders load(ClassLoader loader) {
    Objects.requireNonNull(loader, "loader");
    try {
      return of(ServiceLoader.load(DatabaseProvider.class, loader));
    } catch (ServiceConfigurationError e) {
      throw new IllegalStateException("a database provider could not be loaded: " + e.getMessage(), e);
    }
  }

  /** The given providers, checked for duplicate names. */
  public static DatabaseProviders of(Iterable<? extends DatabaseProvider> providers) {
    Map<String, DatabaseProvider> byName = new TreeMap<>();
    for (DatabaseProvider p : providers) {
      DatabaseProvider previous = byName.putIfAbsent(p.name(), p);
      if (previous != null) {
        throw new DuplicateProviderException(p.name(), previous.getClass().getName(), p.getClass().getName());
      }
    }
    return new DatabaseProviders(Map.copyOf(byName));
  }

  /** The names of the providers found, sorted. */
  public SortedSet<String> names() {
    return new TreeSet<>(byName.keySet());
  }

  /** The provider called {@code name}, or an {@link UnknownProviderException} listing those known. */
  public DatabaseProvider select(String name) {
    DatabaseProvider p = byName.get(name);
    if (p == null) {
      throw new UnknownProviderException(name, names());
    }
    return p;
  }

  /** Two providers claim one name. */
  public static final class DuplicateProviderException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    DuplicateProviderException(String name, String first, String second) {
      super("two database providers are named '" + name + "': " + first + " and " + second
          + "; remove one of their jars from the class path");
    }
  }

  /** No provider has the requested name. */
  public static final class UnknownProviderException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UnknownProviderException(String name, SortedSet<String> known) {
      super("no database provider named '" + name + "' (found: " + (known.isEmpty() ? "none" : String.join(", ", known))
          + "). Add " + ARTIFACTS.getOrDefault(name, "the vendor's jar that provides '" + name + "'")
          + " to the class path, or put its jar (with its dependencies) into the plugins/ directory");
    }
  }
}
