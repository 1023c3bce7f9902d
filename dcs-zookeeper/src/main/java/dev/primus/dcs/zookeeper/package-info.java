/**
 * The ZooKeeper backend of the DCS SPI: {@link dev.primus.dcs.zookeeper.ZooKeeperKeyValueStore} over
 * Apache Curator, built from Patroni's {@code zookeeper:} section by
 * {@link dev.primus.dcs.zookeeper.ZooKeeperDcsProvider}.
 */
package dev.primus.dcs.zookeeper;
