package dev.primus.runner;

import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsProvider;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;

/**
 * A DCS provider that only a plugin jar announces (PluginsTest writes the jar): it proves the runner
 * finds providers in the plugins directory. It builds nothing.
 */
public final class PluginProbeDcsProvider implements DcsProvider {
  @Override
  public String name() {
    return "plugin-probe";
  }

  @Override
  public KeyValueStore create(DcsSettings settings) throws DcsConfigException {
    throw new DcsConfigException("plugin-probe", "a test provider builds no store");
  }
}
