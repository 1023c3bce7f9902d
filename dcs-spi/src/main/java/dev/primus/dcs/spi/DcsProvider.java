package dev.primus.dcs.spi;

/**
 * The {@link java.util.ServiceLoader} entry point of a DCS backend. List the implementation in
 * {@code META-INF/services/dev.primus.dcs.spi.DcsProvider}.
 *
 * <p>{@link #name()} is the section name in {@code patroni.yml} ({@code etcd3}, {@code zookeeper},
 * {@code consul}); a vendor picks its own. Only the provider the configuration names is created. Every
 * method but {@link #name()} and {@link #create} has a default, so the SPI can grow without breaking
 * plugins.
 */
public interface DcsProvider {

  /** The configuration section this provider reads, e.g. {@code etcd3}. Unique across providers. */
  String name();

  /**
   * The Maven coordinates to add when this provider is missing, shown in the error that lists known
   * providers. Override it: the default only names the provider.
   */
  default String artifact() {
    return "the jar that provides DCS '" + name() + "'";
  }

  /**
   * Builds a connected-or-connecting store from the provider's configuration section.
   *
   * @throws DcsConfigException if a key of the section is missing or malformed; name the key
   */
  KeyValueStore create(DcsSettings settings) throws DcsConfigException;
}
