/**
 * Patroni's REST API, served with the JDK's {@code com.sun.net.httpserver} (HTTPS when a certificate is
 * configured).
 *
 * <p>The server reads what it reports from a {@link dev.primus.runner.rest.NodeStatusSource} (the HA
 * loop's latest observation, never blocking) and hands every command to
 * {@link dev.primus.runner.rest.ClusterCommands}. It validates requests and maps outcomes to Patroni's
 * status codes; it decides nothing about the cluster itself. Paths are routed as Patroni routes them:
 * by the first path segment for the named endpoints, by substring for the health checks.
 */
package dev.primus.runner.rest;
