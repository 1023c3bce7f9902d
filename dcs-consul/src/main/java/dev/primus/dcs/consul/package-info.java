/**
 * The Consul DCS backend: {@link dev.primus.dcs.consul.ConsulKeyValueStore} over
 * {@code org.kiwiproject:consul-client}, found by {@link java.util.ServiceLoader} through
 * {@link dev.primus.dcs.consul.ConsulDcsProvider} under the name {@code consul}.
 *
 * <p>A lease is a Consul session created with {@code Behavior=delete}, {@code LockDelay=0s} and a
 * {@code TTL} of half the lease ttl (Consul invalidates a session only after twice its TTL, which is
 * why Patroni halves it too); a leased key is a KV entry acquired by that session. Keys are the ones
 * Patroni's Consul client writes ({@code /service/pg/leader} is the Consul key
 * {@code service/pg/leader}), so Primus and Patroni agents read the same data.
 */
package dev.primus.dcs.consul;
