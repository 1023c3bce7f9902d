/**
 * TLS for the driver's own JDBC connections with the files libpq reads: client keys in every format libpq
 * accepts, read in memory ({@link dev.primus.db.postgres.tls.ClientCertificateSslFactory}, which pgJDBC
 * instantiates by name as its {@code sslfactory}).
 */
package dev.primus.db.postgres.tls;
