/**
 * The runner: what turns the pure engine into an agent. It reads {@code patroni.yml}
 * ({@link dev.primus.runner.config}), serves Patroni's REST API ({@link dev.primus.runner.rest}), and
 * (later) wires the DCS provider, the database driver and the loop that executes decisions.
 */
package dev.primus.runner;
