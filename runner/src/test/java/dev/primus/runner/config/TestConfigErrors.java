package dev.primus.runner.config;

import static dev.primus.runner.config.ConfigTestSupport.MINIMAL;
import static dev.primus.runner.config.ConfigTestSupport.errors;
import static dev.primus.runner.config.ConfigTestSupport.loaded;
import static dev.primus.runner.config.ConfigTestSupport.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.runner.config.ConfigError.Kind;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** One test per class of error, and that they are all reported together. */
class TestConfigErrors {

  private static ConfigError only(List<ConfigError> errors, String path) {
    List<ConfigError> at = errors.stream().filter(e -> e.path().equals(path)).toList();
    assertEquals(1, at.size(), () -> "expected one error at " + path + " in " + errors);
    return at.get(0);
  }

  @Test
  void notYaml() {
    ConfigError e = errors("scope: [unclosed\nname: x\n").get(0);
    assertEquals(Kind.SYNTAX, e.kind());
    assertTrue(e.message().contains("line"), e.message());
  }

  @Test
  void topLevelMustBeAMapping() {
    ConfigError e = errors("- a\n- b\n").get(0);
    assertEquals(Kind.SYNTAX, e.kind());
    assertTrue(e.message().contains("mapping"), e.message());
  }

  @Test
  void aKeyGivenTwiceIsAnError() {
    ConfigError e = errors(MINIMAL + "scope: other\n").get(0);
    assertEquals(Kind.SYNTAX, e.kind());
    assertTrue(e.message().contains("scope"), e.message());
  }

  @Test
  void misspeltKeyNamesItsPathAndSuggestsTheNearestKey() {
    List<ConfigError> errors = errors(MINIMAL.replace("  data_dir:", "  data_dri:"));
    ConfigError e = only(errors, "postgresql.data_dri");
    assertEquals(Kind.UNKNOWN_KEY, e.kind());
    assertEquals("postgresql.data_dri: unknown key; did you mean data_dir?", e.toString());
    assertEquals(Kind.MISSING, only(errors, "postgresql.data_dir").kind());
  }

  @Test
  void misspeltSectionSuggestsTheSection() {
    ConfigError e = only(errors(minimalWith("postgressql:\n  foo: 1")), "postgressql");
    assertEquals("unknown key; did you mean postgresql?", e.message());
  }

  @Test
  void keyFarFromAnyKnownKeyListsTheKnownKeys() {
    ConfigError e = only(errors(minimalWith("watchdog:\n  zzzzzzzz: 1")), "watchdog.zzzzzzzz");
    assertTrue(e.message().contains("known keys: device, driver, mode, safety_margin"), e.message());
  }

  @Test
  void misspeltKeyDeepInBootstrapDcs() {
    ConfigError e = only(errors(minimalWith("bootstrap:\n  dcs:\n    postgresql:\n      use_pg_rewnd: true")),
        "bootstrap.dcs.postgresql.use_pg_rewnd");
    assertEquals("unknown key; did you mean use_pg_rewind?", e.message());
  }

  @Test
  void wrongTypesNameTheKey() {
    List<ConfigError> errors = errors(MINIMAL
        + "log:\n  file_num: [1]\n"
        + "tags:\n  nofailover: perhaps\n  zone: [a, b]\n"
        + "watchdog:\n  device: {a: b}\n");
    assertEquals(Kind.WRONG_TYPE, only(errors, "log.file_num").kind());
    assertEquals("expected true or false, got a string 'perhaps'", only(errors, "tags.nofailover").message());
    assertEquals(Kind.WRONG_TYPE, only(errors, "tags.zone").kind());
    assertEquals(Kind.WRONG_TYPE, only(errors, "watchdog.device").kind());
  }

  @Test
  void aSectionOfTheWrongType() {
    List<ConfigError> errors = errors(MINIMAL.replace("restapi:\n  listen: 0.0.0.0:8008\n  connect_address: 10.0.0.1:8008",
        "restapi: 8008"));
    assertEquals("expected a mapping, got a number 8008", only(errors, "restapi").message());
    // the keys of a broken section are not reported again as missing
    assertTrue(errors.stream().noneMatch(e -> e.path().startsWith("restapi.")), errors::toString);
  }

  @Test
  void everyRequiredKeyIsReportedWhenMissing() {
    List<ConfigError> errors = errors("etcd3:\n  hosts: h:2379\n");
    Set<String> missing = errors.stream().filter(e -> e.kind() == Kind.MISSING).map(ConfigError::path)
        .collect(Collectors.toSet());
    assertEquals(Set.of("scope", "name", "restapi.listen", "restapi.connect_address", "postgresql.listen",
        "postgresql.connect_address", "postgresql.data_dir"), missing);
    assertEquals(7, errors.size(), errors::toString);
  }

  @Test
  void invalidValues() {
    List<ConfigError> errors = errors(MINIMAL
        .replace("listen: 0.0.0.0:8008", "listen: '8008'")
        .replace("connect_address: 10.0.0.1:5432", "connect_address: 10.0.0.1:70000")
        + "log:\n  level: LOUD\n"
        + "watchdog:\n  mode: sometimes\n");
    assertEquals(Kind.INVALID_VALUE, only(errors, "restapi.listen").kind());
    assertTrue(only(errors, "restapi.listen").message().contains("host:port"));
    assertEquals(Kind.INVALID_VALUE, only(errors, "postgresql.connect_address").kind());
    assertEquals(Kind.INVALID_VALUE, only(errors, "log.level").kind());
    assertEquals(Kind.INVALID_VALUE, only(errors, "watchdog.mode").kind());
  }

  @Test
  void connectAddressMustBeReachable() {
    ConfigError e = only(errors(MINIMAL.replace("connect_address: 10.0.0.1:8008", "connect_address: 0.0.0.0:8008")),
        "restapi.connect_address");
    assertEquals(Kind.INVALID_VALUE, e.kind());
  }

  @Test
  void outOfRangeNumbers() {
    List<ConfigError> errors = errors(minimalWith("bootstrap:\n  dcs:\n    loop_wait: 0\n    maximum_lag_on_failover: -1"));
    assertEquals("must be between 1 and 2147483647, got 0", only(errors, "bootstrap.dcs.loop_wait").message());
    assertEquals(Kind.INVALID_VALUE, only(errors, "bootstrap.dcs.maximum_lag_on_failover").kind());
  }

  @Test
  void noDcsSection() {
    ConfigError e = only(errors(MINIMAL.replace("etcd3:\n  hosts: 10.0.0.10:2379\n", "")), "");
    assertEquals(Kind.INCONSISTENT, e.kind());
    assertTrue(e.message().startsWith("exactly one DCS section is required"), e.message());
  }

  @Test
  void twoDcsSections() {
    ConfigError e = only(errors(minimalWith("zookeeper:\n  hosts: [z1:2181]")), "");
    assertEquals(Kind.INCONSISTENT, e.kind());
    assertTrue(e.message().contains("etcd3 and zookeeper"), e.message());
  }

  @Test
  void timingsThatBreakTheRuleAreAWarningNamingTheValuesInEffect() {
    ConfigLoadResult r = PatroniConfigLoader.load(minimalWith("bootstrap:\n  dcs:\n    ttl: 20\n    loop_wait: 10\n"
        + "    retry_timeout: 10"), ConfigTestSupport.NO_ENV);
    assertTrue(r instanceof ConfigLoadResult.Loaded, r::toString);
    ConfigWarning w = r.warnings().stream().filter(x -> x.path().equals("bootstrap.dcs")).findFirst().orElseThrow();
    assertTrue(w.message().contains("loop_wait + 2*retry_timeout <= ttl"), w.message());
    assertTrue(w.message().contains("in effect ttl 20 s, loop_wait 10 s, retry_timeout 5 s"), w.message());
    // the fixtures' timings satisfy it: no warning
    assertEquals(List.of(), PatroniConfigLoader.load(minimalWith("bootstrap:\n  dcs:\n    ttl: 20\n    loop_wait: 2\n"
        + "    retry_timeout: 3"), ConfigTestSupport.NO_ENV).warnings());
  }

  @Test
  void standbyClusterStopsTheConfigurationNamingTheKey() {
    ConfigError e = only(errors(minimalWith("bootstrap:\n  dcs:\n    standby_cluster:\n      host: 10.1.0.1\n"
        + "      port: 5432")), "bootstrap.dcs.standby_cluster");
    assertEquals(Kind.UNSUPPORTED, e.kind());
    assertTrue(e.message().contains("another cluster's data"), e.message());
  }

  @Test
  void bootstrapPgHbaAndFailsafeModeAreReadNotWarnedAbout() {
    ConfigLoadResult r = PatroniConfigLoader.load(minimalWith("bootstrap:\n  dcs:\n    failsafe_mode: true\n"
        + "  pg_hba:\n  - host all all 0.0.0.0/0 md5"), ConfigTestSupport.NO_ENV);
    assertTrue(r instanceof ConfigLoadResult.Loaded, r::toString);
    assertEquals(List.of(), r.warnings());
  }

  @Test
  void inconsistentTls() {
    List<ConfigError> errors = errors(MINIMAL.replace("  connect_address: 10.0.0.1:8008",
        "  connect_address: 10.0.0.1:8008\n  keyfile: /k.pem\n  verify_client: required"));
    assertEquals(Kind.INCONSISTENT, only(errors, "restapi.keyfile").kind());
    assertEquals(Kind.INCONSISTENT, only(errors, "restapi.verify_client").kind());
  }

  @Test
  void customMethodsNeedTheirSection() {
    List<ConfigError> errors = errors(MINIMAL.replace("  data_dir: /var/lib/postgresql/data",
        "  data_dir: /var/lib/postgresql/data\n  create_replica_methods: [wal_g, basebackup]")
        + "bootstrap:\n  method: clone\n");
    assertEquals(Kind.MISSING, only(errors, "postgresql.wal_g").kind());
    assertEquals(Kind.MISSING, only(errors, "bootstrap.clone").kind());
  }

  @Test
  void syncModeAndSlotValues() {
    List<ConfigError> errors = errors(minimalWith(
        "bootstrap:\n  dcs:\n    synchronous_mode: sometimes\n    slots:\n      s1:\n        type: logical\n"));
    assertEquals(Kind.INVALID_VALUE, only(errors, "bootstrap.dcs.synchronous_mode").kind());
    assertEquals(Kind.MISSING, only(errors, "bootstrap.dcs.slots.s1.database").kind());
    assertEquals(Kind.MISSING, only(errors, "bootstrap.dcs.slots.s1.plugin").kind());
  }

  @Test
  void nameAndScopeMustNotContainSlashes() {
    List<ConfigError> errors = errors(MINIMAL.replace("scope: demo", "scope: a/b").replace("name: node1", "name: n/1"));
    assertEquals(Kind.INVALID_VALUE, only(errors, "scope").kind());
    assertEquals(Kind.INVALID_VALUE, only(errors, "name").kind());
  }

  @Test
  void allErrorsAreReportedTogether() {
    String bad = "scope: demo\n"
        + "nmae: node1\n"
        + "restapi:\n  listen: nowhere\n  connect_address: 10.0.0.1:8008\n  verify_client: never\n"
        + "etcd3:\n  hosts: h:2379\n"
        + "bootstrap:\n  dcs:\n    ttl: 0\n"
        + "postgresql:\n  listen: 0.0.0.0:5432\n  connect_address: 10.0.0.1:5432\n  data_dir: /d\n  pg_ctl_timeout: soon\n"
        + "tags:\n  failover_priority: -3\n";
    List<ConfigError> errors = errors(bad);
    Set<String> paths = errors.stream().map(ConfigError::path).collect(Collectors.toSet());
    assertEquals(Set.of("nmae", "name", "restapi.listen", "restapi.verify_client", "bootstrap.dcs.ttl",
        "postgresql.pg_ctl_timeout", "tags.failover_priority"), paths, errors::toString);
    assertEquals("unknown key; did you mean name?", only(errors, "nmae").message());
  }

  @Test
  void unimplementedKeysAreWarningsNotErrors() {
    ConfigLoadResult r = PatroniConfigLoader.load(MINIMAL.replace("  data_dir: /var/lib/postgresql/data",
        "  data_dir: /var/lib/postgresql/data\n  custom_conf: /etc/custom.conf")
        + "citus:\n  group: 0\n  database: citus\n"
        + "log:\n  traceback_level: DEBUG\n", ConfigTestSupport.NO_ENV);
    assertTrue(r instanceof ConfigLoadResult.Loaded, r::toString);
    Set<String> warned = r.warnings().stream().map(ConfigWarning::path).collect(Collectors.toSet());
    assertEquals(Set.of("postgresql.custom_conf", "citus", "log.traceback_level"), warned);
    assertTrue(r.warnings().get(0).message().contains("not implemented"), r.warnings().toString());
    assertEquals(new CitusConfig(0, "citus"), r.orThrow().citus().orElseThrow());
  }

  @Test
  void aScriptCommandWithAnUnclosedQuoteNamesItsKey() {
    List<ConfigError> errors = errors(MINIMAL.replace("  data_dir: /var/lib/postgresql/data",
        "  data_dir: /var/lib/postgresql/data\n  pre_promote: \"/opt/fence.sh 'x\"\n"
        + "  callbacks:\n    on_role_change: \"/opt/cb.sh \\\"a\"\n  callback_timeout: 0"));
    ConfigError e = only(errors, "postgresql.callbacks.on_role_change");
    assertEquals(Kind.INVALID_VALUE, e.kind());
    assertEquals("the \" opened at character 12 is never closed in '/opt/cb.sh \"a'", e.message());
    assertEquals("the ' opened at character 15 is never closed in '/opt/fence.sh 'x'",
        only(errors, "postgresql.pre_promote").message());
    only(errors, "postgresql.callback_timeout");
  }

  @Test
  void callbacksAndPrePromoteAreRead() {
    dev.primus.agent.CallbackScripts c = loaded(MINIMAL.replace("  data_dir: /var/lib/postgresql/data",
        "  data_dir: /var/lib/postgresql/data\n  pre_promote: /opt/fence.sh --strict\n  callback_timeout: 15\n"
        + "  callbacks:\n    on_start: /opt/cb.sh\n    on_stop: /opt/cb.sh\n    on_restart: /opt/cb.sh\n"
        + "    on_reload: /opt/reload.sh\n    on_role_change: /opt/vip.sh")).postgresql().callbacks();
    assertEquals(new dev.primus.agent.CallbackScripts(java.util.Optional.of("/opt/cb.sh"), java.util.Optional.of("/opt/cb.sh"),
        java.util.Optional.of("/opt/cb.sh"), java.util.Optional.of("/opt/reload.sh"), java.util.Optional.of("/opt/vip.sh"),
        java.util.Optional.of("/opt/fence.sh --strict"), java.time.Duration.ofSeconds(15)), c);
  }

  @Test
  void quorumSynchronousModeIsAnErrorNamingTheKey() {
    ConfigError e = only(errors(MINIMAL + "bootstrap:\n  dcs:\n    synchronous_mode: quorum\n"),
        "bootstrap.dcs.synchronous_mode");
    assertEquals(Kind.UNSUPPORTED, e.kind());
    assertTrue(e.message().startsWith("synchronous_mode: quorum is not implemented by Primus yet"), e.message());
    ConfigLoadResult on = PatroniConfigLoader.load(MINIMAL + "bootstrap:\n  dcs:\n    synchronous_mode: true\n",
        ConfigTestSupport.NO_ENV);
    assertEquals(List.of(), on.warnings());
  }

  @Test
  void aDcsWithoutBuiltInProviderIsAWarning() {
    ConfigLoadResult r = PatroniConfigLoader.load(MINIMAL.replace("etcd3:", "kubernetes:").replace("hosts: 10.0.0.10:2379",
        "labels: {app: pg}"), ConfigTestSupport.NO_ENV);
    assertEquals("kubernetes", r.orThrow().dcs().type());
    assertEquals(List.of("kubernetes"), r.warnings().stream().map(ConfigWarning::path).toList());
  }

  @Test
  void unreadableFile() {
    ConfigLoadResult r = PatroniConfigLoader.load(java.nio.file.Path.of("/nonexistent/patroni.yml"), ConfigTestSupport.NO_ENV);
    assertEquals(Kind.SYNTAX, ((ConfigLoadResult.Invalid) r).errors().get(0).kind());
  }
}
