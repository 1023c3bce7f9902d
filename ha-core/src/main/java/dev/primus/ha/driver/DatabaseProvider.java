package dev.primus.ha.driver;

/**
 * The {@link java.util.ServiceLoader} entry point of a database driver ({@code postgres},
 * {@code opengauss}). Only the provider the configuration selects is created.
 */
public interface DatabaseProvider {

  /** The name the configuration selects it by. Unique across providers. */
  String name();

  /** Builds a driver for one data directory. Nothing is started until the runner asks. */
  DatabaseDriver create(DriverSettings settings) throws DriverException;
}
