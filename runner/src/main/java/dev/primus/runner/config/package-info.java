/**
 * {@code patroni.yml} as typed records.
 *
 * <p>{@link dev.primus.runner.config.PatroniConfigLoader} parses the YAML, applies {@code PATRONI_*}
 * and then {@code PRIMUS_*} environment overrides, and validates everything in one pass: every problem
 * is reported at once, each naming the key's full path, and nothing is built from a bad file. Keys
 * Patroni knows but Primus does not implement yet are warnings, collected in the result for the caller
 * to print. Secrets are {@link dev.primus.runner.config.Secret}s and never appear in {@code toString()}
 * or in {@link dev.primus.runner.config.PatroniConfig#dump()}.
 */
package dev.primus.runner.config;
