package dev.primus.runner.config;

import static dev.primus.runner.config.ConfigTestSupport.MINIMAL;
import static dev.primus.runner.config.ConfigTestSupport.loaded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.agent.Watchdog;
import dev.primus.agent.watchdog.SafetyMargin;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.SynchronousMode;
import dev.primus.dcs.model.Tags;
import dev.primus.ha.HaConfig;
import dev.primus.runner.config.PostgresqlConfig.Authentication;
import dev.primus.runner.config.PostgresqlConfig.Credentials;
import dev.primus.runner.config.RestApiConfig.VerifyClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Pins every key's default: the smallest valid file must load into exactly these records. A new field
 * breaks this test's constructor calls, so its default gets pinned too.
 */
class TestConfigDefaults {

  @Test
  void everyDefaultOfAMinimalFile() {
    PatroniConfig c = loaded(MINIMAL);

    assertEquals("demo", c.scope());
    assertEquals("/service/", c.namespace());
    assertEquals("node1", c.name());

    assertEquals(new LogConfig("INFO", Optional.empty(), Optional.empty(), Optional.empty(), 4, 25_000_000L, Map.of()),
        c.log());

    assertEquals(new RestApiConfig(new HostPort("0.0.0.0", 8008), new HostPort("10.0.0.1", 8008), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), VerifyClient.NONE, List.of(), false,
        Map.of(), Map.of(), 5), c.restapi());

    assertEquals(new CtlConfig(Optional.empty(), false, Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty()), c.ctl());

    assertEquals(new DcsSection("etcd3", Map.of("hosts", "10.0.0.10:2379")), c.dcs());

    assertEquals(new BootstrapConfig(new DynamicConfig(Map.of()), "initdb", List.of(), Optional.empty(), Map.of()),
        c.bootstrap());

    Path data = Path.of("/var/lib/postgresql/data");
    assertEquals(new PostgresqlConfig(
        new ListenAddress(List.of("0.0.0.0"), 5432),
        new HostPort("10.0.0.1", 5432),
        Optional.empty(),
        data,
        Optional.empty(),
        Map.of(),
        data,
        Path.of("/home/postgres/pgpass"),
        "postgres",
        new Authentication(Credentials.of("postgres"), Credentials.of("replicator"), Optional.empty()),
        Map.of(),
        List.of(),
        List.of(),
        List.of("basebackup"),
        Map.of(),
        List.of(),
        dev.primus.agent.CallbackScripts.NONE,
        false,
        false,
        false,
        false,
        Duration.ofSeconds(60),
        Optional.empty(),
        Optional.empty(),
        Optional.empty()), c.postgresql());

    assertEquals(Duration.ofSeconds(60), c.postgresql().callbacks().timeout(), "callback_timeout");
    assertEquals(new Tags(false, false, false, Optional.empty(), false, false, 1, Map.of()), c.tags());
    assertEquals(new WatchdogConfig(Watchdog.Mode.AUTOMATIC, Path.of("/dev/watchdog"), new SafetyMargin.Fixed(5),
        WatchdogConfig.Driver.DEFAULT), c.watchdog());
    assertEquals(Optional.empty(), c.citus());
  }

  @Test
  void dynamicDefaultsOfAnEmptyBootstrapDcs() {
    DynamicConfig dcs = loaded(MINIMAL).bootstrap().dcs();
    assertEquals(Duration.ofSeconds(30), dcs.ttl());
    assertEquals(Duration.ofSeconds(10), dcs.loopWait());
    assertEquals(Duration.ofSeconds(10), dcs.retryTimeout());
    assertEquals(1_048_576L, dcs.maximumLagOnFailover());
    assertEquals(Duration.ofSeconds(300), dcs.primaryStartTimeout());
    assertEquals(SynchronousMode.OFF, dcs.synchronousMode());
    assertEquals(false, dcs.pause());
    assertEquals(Duration.ofSeconds(30), loaded(MINIMAL).bootstrap().timings().ttl());
  }

  @Test
  void haConfigOfAMinimalFile() {
    HaConfig ha = loaded(MINIMAL).toHaConfig("4.0.4");
    assertEquals(new HaConfig("node1", "postgres://10.0.0.1:5432/postgres", "http://10.0.0.1:8008/patroni",
        Tags.NONE, "4.0.4", true, new DynamicConfig(Map.of()), false, false), ha);
  }

  @Test
  void haConfigUsesHttpsAndTheTagsWhenConfigured() {
    PatroniConfig c = loaded(MINIMAL.replace("  connect_address: 10.0.0.1:8008",
        "  connect_address: '[2001:db8::1]:8008'\n  certfile: /etc/ssl/rest.pem")
        + "tags:\n  nofailover: true\n  zone: a\n"
        + "bootstrap:\n  dcs:\n    ttl: 20\n    loop_wait: 2\n    retry_timeout: 3\n");
    HaConfig ha = c.toHaConfig("4.0.4");
    assertEquals("https://[2001:db8::1]:8008/patroni", ha.apiUrl());
    assertTrue(ha.tags().noFailover());
    assertEquals(Map.of("nofailover", true, "zone", "a"), ha.tags().all());
    assertEquals(false, ha.bootstrapAllowed(), "a nofailover member must not bootstrap");
    assertEquals(Duration.ofSeconds(20), ha.bootstrapDcs().ttl());
    assertEquals(Duration.ofSeconds(2), ha.bootstrapDcs().loopWait());
  }
}
