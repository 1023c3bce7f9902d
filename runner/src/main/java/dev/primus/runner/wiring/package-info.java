/**
 * How the runner finds and connects what a configuration names: the DCS and database providers
 * ({@link dev.primus.runner.wiring.Backends}), the plugins directory ({@link dev.primus.runner.wiring.Plugins}),
 * the HTTP clients for members' REST APIs ({@link dev.primus.runner.wiring.RestClients}), and what a subcommand
 * gets from its process ({@link dev.primus.runner.wiring.CommandContext}). Shared by {@code run}, {@code ctl}
 * and {@code demo}; it depends on none of them.
 */
package dev.primus.runner.wiring;
