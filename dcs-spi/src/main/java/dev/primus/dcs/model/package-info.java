/**
 * The cluster as the DCS holds it, as immutable records: what one prefix read of
 * {@code /<namespace>/<scope>/} decodes to ({@link dev.primus.dcs.model.ClusterView}).
 *
 * <p>Field names follow Patroni's keys and JSON fields; {@code dev.primus.dcs.layout} maps between the
 * two. A value someone else wrote that cannot be decoded never makes a read fail: it is reported as an
 * {@link dev.primus.dcs.model.InvalidValue} and the rest of the view is intact.
 */
package dev.primus.dcs.model;
