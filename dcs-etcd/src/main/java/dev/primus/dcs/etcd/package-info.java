/**
 * The etcd v3 DCS backend: {@link dev.primus.dcs.etcd.EtcdKeyValueStore} over jetcd, found by
 * {@link java.util.ServiceLoader} through {@link dev.primus.dcs.etcd.EtcdDcsProvider} under the name
 * {@code etcd3}. Keys, values and leases are the objects Patroni's etcd3 client uses, so Primus and
 * Patroni agents can share one cluster's data during a migration.
 */
package dev.primus.dcs.etcd;
