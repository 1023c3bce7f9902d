package dev.primus.dcs.spi;

import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Finds {@link DcsProvider}s with {@link ServiceLoader} through an explicit {@link ClassLoader}.
 *
 * <p>Only the chosen provider is used to build a store. An unknown name fails with the list of known
 * names; two providers claiming one name fail too, naming both classes.
 */
public final class DcsProviders {
  private final Map<String, DcsProvider> byName;

  private DcsProviders(Map<String, DcsProvider> byName) {
    this.byName = byName;
  }

  /** Every provider visible to {@code loader}. */
  public static DcsProviders load(ClassLoader loader) {
    Objects.requireNonNull(loader, "loader");
    return of(ServiceLoader.load(DcsProvider.class, loader));
  }

  /** The given providers, checked for duplicate names. */
  public static DcsProviders of(Iterable<? extends DcsProvider> providers) {
    Map<String, DcsProvider> byName = new TreeMap<>();
    for (DcsProvider p : providers) {
      DcsProvider previous = byName.putIfAbsent(p.name(), p);
      if (previous != null) {
        throw new DuplicateProviderException(p.name(), previous.getClass().getName(), p.getClass().getName());
      }
    }
    return new DcsProviders(Map.copyOf(byName));
  }

  /** The names of the providers found, sorted. */
  public java.util.SortedSet<String> names() {
    return new java.util.TreeSet<>(byName.keySet());
  }

  /** The provider called {@code name}, or an {@link UnknownProviderException} listing those known. */
  public DcsProvider select(String name) {
    DcsProvider p = byName.get(name);
    if (p == null) {
      throw new UnknownProviderException(name, names());
    }
    return p;
  }

  /** Two providers claim one name. */
  public static final class DuplicateProviderException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    DuplicateProviderException(String name, String first, String second) {
      super("two DCS providers are named '" + name + "': " + first + " and " + second
          + "; remove one of their jars from the class path");
    }
  }

  /** No provider has the requested name. */
  public static final class UnknownProviderException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UnknownProviderException(String name, java.util.SortedSet<String> known) {
      super("no DCS provider named '" + name + "'; known: " + (known.isEmpty() ? "(none)" : String.join(", ", known))
          + ". Add the backend's jar (dev.primus:primus-dcs-etcd, primus-dcs-zookeeper, primus-dcs-consul,"
          + " or a vendor's) to the class path or the plugins/ directory");
    }
  }
}
