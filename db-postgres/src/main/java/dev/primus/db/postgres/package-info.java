/**
 * The PostgreSQL driver (12 and newer) behind the ha-core driver SPI: {@code initdb}, {@code pg_ctl},
 * {@code pg_basebackup}, {@code pg_rewind}, a generated {@code postgresql.conf} and JDBC probes.
 *
 * <p>{@link dev.primus.db.postgres.PostgresDatabaseProvider} is the ServiceLoader entry point, selected
 * by the name {@code postgres}. Everything else is package-private: the configuration record, the
 * process runner, the configuration files, the probe, the slot manager.
 */
package dev.primus.db.postgres;
