/**
 * Patroni's DCS layout, implemented once on top of {@link dev.primus.dcs.spi.KeyValueStore} so that
 * every backend stores the same keys and values Patroni does.
 *
 * <ul>
 *   <li>{@link dev.primus.dcs.layout.ClusterPath}: where a cluster's keys are
 *       ({@code /<namespace>/<scope>[/<group>]/leader}, {@code members/<name>}, ...).
 *   <li>{@link dev.primus.dcs.layout.PatroniCodec}: the value of every key, encoded deterministically
 *       and decoded without ever throwing (bad values become
 *       {@link dev.primus.dcs.model.InvalidValue}s), and a whole prefix read decoded into a
 *       {@link dev.primus.dcs.model.ClusterView}.
 *   <li>{@link dev.primus.dcs.layout.PatroniDcs}: one member's operations (leader race, renewal and
 *       release on its single lease, bootstrap race, member key, CAS writes of config, failover and
 *       sync), with typed outcomes for every expected conflict.
 * </ul>
 *
 * <p>Jackson is used inside this package only; no public signature mentions it.
 */
package dev.primus.dcs.layout;
