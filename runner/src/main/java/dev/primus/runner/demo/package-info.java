/**
 * {@code primus demo}: a local three-member cluster (PostgreSQL, Primus agents as processes, ZooKeeper in
 * the same JVM) that shows a failover, a rejoin and a switchover with their timings. {@link
 * dev.primus.runner.demo.LocalCluster} and {@link dev.primus.runner.demo.Writer} are also what the
 * end-to-end tests drive a cluster with.
 */
package dev.primus.runner.demo;
