/**
 * The HA loop: {@link dev.primus.runner.loop.HaLoop} observes (DCS, database, peers), asks
 * {@link dev.primus.ha.HaEngine#decide} what to do, and has the {@link dev.primus.runner.loop.ActionExecutor}
 * carry the decision out through {@link dev.primus.dcs.layout.PatroniDcs}, the database driver and the
 * {@link dev.primus.runner.loop.Watchdog}. It implements the REST API's
 * {@link dev.primus.runner.rest.NodeStatusSource} and, through {@link dev.primus.runner.loop.LoopCommands},
 * its {@link dev.primus.runner.rest.ClusterCommands}.
 */
package dev.primus.runner.loop;
