package dev.primus.runner.config;

import static dev.primus.runner.config.ConfigTestSupport.MINIMAL;
import static dev.primus.runner.config.ConfigTestSupport.errors;
import static dev.primus.runner.config.ConfigTestSupport.loaded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.runner.config.ConfigError.Kind;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** PATRONI_* overrides the file, PRIMUS_* overrides both; the environment is a plain map. */
class TestEnvironmentOverrides {

  @Test
  void patroniOverridesTheFileAndPrimusOverridesPatroni() {
    assertEquals("fromPatroni", loaded(MINIMAL, Map.of("PATRONI_SCOPE", "fromPatroni")).scope());
    assertEquals("fromPrimus", loaded(MINIMAL, Map.of("PATRONI_SCOPE", "fromPatroni", "PRIMUS_SCOPE", "fromPrimus"))
        .scope());
    assertEquals("fromPrimus", loaded(MINIMAL, Map.of("PRIMUS_SCOPE", "fromPrimus")).scope());
    assertEquals("demo", loaded(MINIMAL, Map.of("PATRONI_SCOPE", "")).scope(), "an empty variable is ignored");
  }

  @Test
  void theDocumentedVariables() {
    Map<String, String> env = Map.ofEntries(
        Map.entry("PATRONI_NAME", "node7"),
        Map.entry("PATRONI_NAMESPACE", "clusters"),
        Map.entry("PATRONI_LOG_LEVEL", "debug"),
        Map.entry("PATRONI_LOG_DIR", "/var/log/primus"),
        Map.entry("PATRONI_RESTAPI_LISTEN", "127.0.0.1:9008"),
        Map.entry("PATRONI_RESTAPI_CONNECT_ADDRESS", "10.0.0.7:9008"),
        Map.entry("PATRONI_RESTAPI_USERNAME", "admin"),
        Map.entry("PATRONI_RESTAPI_PASSWORD", "s3cret"),
        Map.entry("PATRONI_RESTAPI_ALLOWLIST", "10.0.0.0/8,192.168.1.5"),
        Map.entry("PATRONI_POSTGRESQL_LISTEN", "*:6432"),
        Map.entry("PATRONI_POSTGRESQL_CONNECT_ADDRESS", "10.0.0.7:6432"),
        Map.entry("PATRONI_POSTGRESQL_DATA_DIR", "/pg/data"),
        Map.entry("PATRONI_POSTGRESQL_BIN_DIR", "/usr/lib/postgresql/16/bin"),
        Map.entry("PATRONI_POSTGRESQL_PGPASS", "/tmp/pgpass7"),
        Map.entry("PATRONI_POSTGRESQL_BIN_PG_CTL", "pg_ctl16"),
        Map.entry("PRIMUS_POSTGRESQL_OS_USER", "postgres"),
        Map.entry("PATRONI_SUPERUSER_USERNAME", "root"),
        Map.entry("PATRONI_SUPERUSER_PASSWORD", "su-pass"),
        Map.entry("PATRONI_REPLICATION_USERNAME", "repl"),
        Map.entry("PATRONI_REPLICATION_PASSWORD", "repl-pass"),
        Map.entry("PATRONI_REPLICATION_SSLMODE", "require"),
        Map.entry("PATRONI_REWIND_USERNAME", "rewinder"),
        Map.entry("PATRONI_REWIND_PASSWORD", "rw-pass"),
        Map.entry("PATRONI_ETCD3_PROTOCOL", "https"),
        Map.entry("HOME", "/home/postgres"));
    PatroniConfig c = loaded(MINIMAL, env);
    assertEquals("node7", c.name());
    assertEquals("/clusters/", c.namespace());
    assertEquals("DEBUG", c.log().level());
    assertEquals(Optional.of(Path.of("/var/log/primus")), c.log().dir());
    assertEquals(new HostPort("127.0.0.1", 9008), c.restapi().listen());
    assertEquals(new HostPort("10.0.0.7", 9008), c.restapi().connectAddress());
    assertEquals(new BasicAuth("admin", Secret.of("s3cret")), c.restapi().authentication().orElseThrow());
    assertEquals(List.of("10.0.0.0/8", "192.168.1.5"), c.restapi().allowlist());
    assertEquals(new ListenAddress(List.of("*"), 6432), c.postgresql().listen());
    assertEquals(Path.of("/pg/data"), c.postgresql().dataDir());
    assertEquals(Optional.of(Path.of("/usr/lib/postgresql/16/bin")), c.postgresql().binDir());
    assertEquals(Path.of("/tmp/pgpass7"), c.postgresql().pgpass());
    assertEquals(Map.of("pg_ctl", "pg_ctl16"), c.postgresql().binName());
    assertEquals(Optional.of("postgres"), c.postgresql().osUser());
    assertEquals("root", c.postgresql().authentication().superuser().username());
    assertEquals("su-pass", c.postgresql().authentication().superuser().password().orElseThrow().reveal());
    assertEquals(Map.of("sslmode", "require"), c.postgresql().authentication().replication().options());
    assertEquals("rewinder", c.postgresql().authentication().rewind().orElseThrow().username());
    assertEquals(Map.of("hosts", "10.0.0.10:2379", "protocol", "https"), c.dcs().settings());
    assertEquals("postgres://10.0.0.7:6432/postgres", c.toHaConfig("x").connUrl());
  }

  @Test
  void aDcsSectionCanComeFromTheEnvironmentAlone() {
    String noDcs = MINIMAL.replace("etcd3:\n  hosts: 10.0.0.10:2379\n", "");
    PatroniConfig c = loaded(noDcs, Map.of("PATRONI_ZOOKEEPER_HOSTS", "'zk1:2181','zk2:2181'"));
    assertEquals(new DcsSection("zookeeper", Map.of("hosts", List.of("zk1:2181", "zk2:2181"))), c.dcs());

    c = loaded(noDcs, Map.of("PATRONI_ETCD3_HOSTS", "e1:2379,e2:2379", "PATRONI_ETCD3_PASSWORD", "pw"));
    assertEquals("etcd3", c.dcs().type());
    assertEquals(List.of("e1:2379", "e2:2379"), c.dcs().settings().get("hosts"));

    c = loaded(noDcs, Map.of("PATRONI_CONSUL_URL", "https://consul:8501", "PATRONI_CONSUL_TOKEN", "tok"));
    assertEquals(Map.of("url", "https://consul:8501", "token", "tok"), c.dcs().settings());
  }

  @Test
  void anEnvironmentDcsNextToTheFilesIsTwoSections() {
    ConfigError e = errors(MINIMAL, Map.of("PATRONI_ZOOKEEPER_HOSTS", "zk1:2181")).get(0);
    assertEquals(Kind.INCONSISTENT, e.kind());
  }

  @Test
  void overriddenValuesAreValidatedLikeTheFile() {
    ConfigError e = errors(MINIMAL, Map.of("PRIMUS_RESTAPI_LISTEN", "nowhere")).get(0);
    assertEquals("restapi.listen", e.path());
    assertEquals(Kind.INVALID_VALUE, e.kind());
  }

  @Test
  void aTypoInAKnownSectionIsAWarning() {
    ConfigLoadResult r = PatroniConfigLoader.load(MINIMAL, Map.of("PRIMUS_RESTAPI_LISTN", "x", "PATRONI_admin_PASSWORD",
        "bootstrap user, not a setting", "PRIMUS_CONFIG_FILE", "/etc/primus.yml"));
    assertEquals(List.of("PRIMUS_RESTAPI_LISTN"), r.warnings().stream().map(ConfigWarning::path).toList());
  }

  @Test
  void wholeConfigurationFromTheEnvironment() {
    PatroniConfig c = ConfigLoadResult.class.cast(PatroniConfigLoader.fromEnvironment(
        Map.of("PATRONI_CONFIGURATION", MINIMAL, "PATRONI_SCOPE", "ignored", "HOME", "/h"))).orThrow();
    assertEquals("demo", c.scope(), "with PATRONI_CONFIGURATION no other override applies, as in Patroni");
    assertEquals(Path.of("/h/pgpass"), c.postgresql().pgpass());
    assertTrue(PatroniConfigLoader.fromEnvironment(Map.of()) instanceof ConfigLoadResult.Invalid);
  }

  @Test
  void listsInTheEnvironment() {
    assertEquals(List.of("h1:2379", "h2:2379"), EnvironmentOverrides.parseList("'h1:2379','h2:2379'"));
    assertEquals(List.of("h1:2379", "h2:2379"), EnvironmentOverrides.parseList("h1:2379, h2:2379"));
    assertEquals(List.of("a", "b"), EnvironmentOverrides.parseList("[a, b]"));
    assertEquals(List.of("10.0.0.0/8"), EnvironmentOverrides.parseList("10.0.0.0/8"));
  }
}
