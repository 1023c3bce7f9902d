/**
 * The database-driver SPI: what Primus needs from a database to keep it highly available.
 *
 * <p>A driver acts, it never decides. It owns the data directory, the configuration files it generates
 * and the processes it starts. The runner calls it from its executor threads (blocking calls, each with
 * a deadline) to carry out the engine's {@link dev.primus.ha.Action}s, and calls
 * {@link dev.primus.ha.driver.DatabaseDriver#probe()} every cycle. A vendor ships a
 * {@link dev.primus.ha.driver.DatabaseProvider} listed in
 * {@code META-INF/services/dev.primus.ha.driver.DatabaseProvider}.
 */
package dev.primus.ha.driver;
