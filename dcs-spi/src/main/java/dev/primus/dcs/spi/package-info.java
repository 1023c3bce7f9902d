/**
 * The store SPI a DCS vendor implements: a small key-value store with leases.
 *
 * <p>Primus implements Patroni's key layout, JSON values, leader race and CAS rules once, on top of
 * {@link dev.primus.dcs.spi.KeyValueStore}, so every backend writes identical data. A backend only maps
 * its native primitives:
 *
 * <table>
 *   <caption>How the shipped backends map the SPI</caption>
 *   <tr><th>SPI</th><th>etcd v3</th><th>ZooKeeper</th><th>Consul</th></tr>
 *   <tr><td>{@link dev.primus.dcs.spi.Lease}</td><td>lease</td><td>session (ephemeral znodes)</td>
 *       <td>session, {@code behavior=delete}</td></tr>
 *   <tr><td>entry version</td><td>mod_revision</td><td>znode version</td><td>ModifyIndex</td></tr>
 *   <tr><td>snapshot revision</td><td>header revision</td><td>max mzxid seen</td><td>X-Consul-Index</td></tr>
 *   <tr><td>watch</td><td>prefix watch</td><td>tree cache / child watches</td><td>blocking query</td></tr>
 * </table>
 *
 * <p>Expected conflicts (the key exists, the version moved, the value is not mine) are return values.
 * Failures to reach the store are {@link dev.primus.dcs.spi.DcsException}s carrying a
 * {@link dev.primus.dcs.spi.DcsException.Kind} that says whether a retry is safe. A backend proves it
 * keeps the semantics by passing the contract kit ({@code KeyValueStoreContract} in this module's
 * test-jar) unchanged.
 */
package dev.primus.dcs.spi;
