/**
 * The runtime of one member: {@link dev.primus.agent.PrimusAgent} observes the DCS and the database, lets
 * the engine ({@code dev.primus.ha.HaEngine}) decide, and carries the decisions out; a command and status
 * API and typed events let an embedder drive and watch it. Many agents share one
 * {@link dev.primus.agent.PrimusRuntime} per JVM. No backend, no YAML, no CLI, no logging backend: an
 * embedder adds one {@code dcs-*} and one {@code db-*} module.
 */
package dev.primus.agent;
