/**
 * The runner: what turns the pure engine into an agent. {@link dev.primus.runner.Main} is the
 * {@code primus} command ({@code run}, {@code ctl}, {@code version}); {@link dev.primus.runner.Agent}
 * assembles one agent from a {@code patroni.yml} ({@link dev.primus.runner.config}): the DCS provider its
 * DCS section names and the database provider, both found with {@link java.util.ServiceLoader} on a
 * class loader that also sees the {@code plugins/} directory ({@link dev.primus.runner.wiring.Plugins},
 * {@link dev.primus.runner.wiring.Backends}), the HA loop ({@link dev.primus.runner.loop}) and the REST API
 * ({@link dev.primus.runner.rest}). {@link dev.primus.runner.Logging} configures Logback from the
 * {@code log:} section. The runner's own code uses only the SPIs; the backends are runtime dependencies.
 */
package dev.primus.runner;
