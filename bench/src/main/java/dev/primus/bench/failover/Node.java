package dev.primus.bench.failover;

import java.nio.file.Path;

/**
 * One member's fixed coordinates for a run.
 *
 * @param name     member name ({@code node1} ...)
 * @param restPort the agent's REST API port on 127.0.0.1
 * @param pgPort   PostgreSQL's port on 127.0.0.1
 * @param dir      the member's directory (configuration, log, data directory), owned by the PostgreSQL user
 */
record Node(String name, int restPort, int pgPort, Path dir) {
  Path dataDir() {
    return dir.resolve("data");
  }

  Path config() {
    return dir.resolve(name + ".yml");
  }

  Path log() {
    return dir.resolve("agent.log");
  }

  String rest(String path) {
    return "http://127.0.0.1:" + restPort + path;
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
  }
}
