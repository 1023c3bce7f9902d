/**
 * {@code primus ctl}: patronictl's commands against a Primus (or Patroni) cluster, reading the DCS
 * directly and driving members through their REST APIs. {@link dev.primus.runner.ctl.ClusterTable}
 * prints the member table exactly as patronictl 3.0.2 does.
 */
package dev.primus.runner.ctl;
