package dev.primus.runner.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.SynchronousMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A complete postgres0.yml-style file loads without errors, and warns only about unimplemented keys. */
class TestRealisticConfig {
  private final ConfigLoadResult result = PatroniConfigLoader.load(ConfigTestSupport.resource("/config/postgres0.yml"),
      ConfigTestSupport.NO_ENV);

  @Test
  void loadsWithOnlyTheExpectedWarning() {
    assertTrue(result instanceof ConfigLoadResult.Loaded, () -> ((ConfigLoadResult.Invalid) result).describe());
    assertEquals(List.of("bootstrap.users"), result.warnings().stream().map(ConfigWarning::path).toList());
    for (ConfigWarning w : result.warnings()) {
      assertTrue(Schema.BOOTSTRAP.unimplemented().containsKey("users"), w.toString());
    }
  }

  @Test
  void everySectionIsRead() {
    PatroniConfig c = result.orThrow();
    assertEquals("batman", c.scope());
    assertEquals("postgresql0", c.name());
    assertEquals(10, c.log().fileNum());
    assertEquals(Map.of("patroni.postmaster", "WARNING"), c.log().loggers());
    assertEquals(List.of("127.0.0.1", "10.0.0.0/8"), c.restapi().allowlist());
    assertTrue(c.restapi().allowlistIncludeMembers());
    assertEquals(16, c.restapi().requestQueueSize());
    assertEquals("etcd3", c.dcs().type());
    assertEquals(Duration.ofSeconds(30), c.bootstrap().dcs().ttl());
    assertTrue(c.bootstrap().dcs().usePgRewind());
    assertEquals(SynchronousMode.OFF, c.bootstrap().dcs().synchronousMode());
    assertEquals(List.of(NamedOption.of("encoding", "UTF8"), NamedOption.flag("data-checksums")), c.bootstrap().initdb());
    assertEquals(Optional.of("/usr/local/bin/setup_cluster.sh"), c.bootstrap().postBootstrap());
    assertEquals(Path.of("data/postgresql0"), c.postgresql().dataDir());
    assertEquals(Optional.of(new HostPort("127.0.0.1", 6432)), c.postgresql().proxyAddress());
    assertEquals(List.of("pgbackrest", "basebackup"), c.postgresql().createReplicaMethods());
    assertEquals("/usr/bin/pgbackrest --stanza=main --delta restore",
        c.postgresql().replicaMethods().get("pgbackrest").get("command"));
    assertEquals(List.of(NamedOption.of("max-rate", "100M"), NamedOption.of("checkpoint", "fast")),
        c.postgresql().basebackup());
    assertEquals(Optional.of("/usr/local/bin/on_role_change.sh"), c.postgresql().callbacks().onRoleChange());
    assertEquals(Map.of("sslmode", "prefer"), c.postgresql().authentication().superuser().options());
    assertEquals("dc1", c.tags().all().get("datacenter"));
    assertTrue(c.tags().canFailover());
    assertEquals(dev.primus.agent.Watchdog.Mode.AUTOMATIC, c.watchdog().mode());
    assertEquals("http://127.0.0.1:8008/patroni", c.toHaConfig("4.0.4").apiUrl());
  }

  @Test
  void theDriverGetsTheRawSections() {
    PatroniConfig c = result.orThrow();
    Map<String, Object> pg = c.tree().section("postgresql").orElseThrow();
    assertEquals("data/postgresql0", pg.get("data_dir"));
    assertTrue(c.tree().section("bootstrap").orElseThrow().containsKey("initdb"));
  }
}
