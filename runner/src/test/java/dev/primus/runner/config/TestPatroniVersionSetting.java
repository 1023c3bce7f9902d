package dev.primus.runner.config;

import static dev.primus.runner.config.ConfigTestSupport.MINIMAL;
import static dev.primus.runner.config.ConfigTestSupport.errors;
import static dev.primus.runner.config.ConfigTestSupport.loaded;
import static dev.primus.runner.config.ConfigTestSupport.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.primus.dcs.model.PatroniDialect;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code primus.patroni_version}: which Patroni a member speaks as; 3.0.2 unless set. */
class TestPatroniVersionSetting {

  @Test
  void withoutTheSectionTheMemberSpeaksAsPatroni302() {
    PatroniConfig c = loaded(MINIMAL);
    assertEquals(PatroniDialect.V3, c.dialect());
    assertEquals("3.0.2", c.toHaSettings(c.dialect().version()).agentVersion());
  }

  @Test
  void fourAsANumberOrAStringSelectsPatroni4() {
    assertEquals(PatroniDialect.V4, loaded(minimalWith("primus:\n  patroni_version: 4")).dialect());
    assertEquals(PatroniDialect.V4, loaded(minimalWith("primus:\n  patroni_version: '4.0'")).dialect());
    assertEquals(PatroniDialect.V3, loaded(minimalWith("primus:\n  patroni_version: 3.0.2")).dialect());
  }

  @Test
  void anyOtherVersionIsAnErrorNamingTheKey() {
    List<ConfigError> e = errors(minimalWith("primus:\n  patroni_version: 2.1"));
    assertEquals(1, e.size(), e.toString());
    assertEquals("primus.patroni_version", e.get(0).path());
    assertEquals(ConfigError.Kind.INVALID_VALUE, e.get(0).kind());
    assertEquals("must be 3 (Patroni 3.0.2, the default) or 4 (Patroni 4.0); got '2.1'", e.get(0).message());
  }

  @Test
  void anUnknownKeyInTheSectionIsNamed() {
    List<ConfigError> e = errors(minimalWith("primus:\n  patroni_versoin: 4"));
    assertEquals("primus.patroni_versoin", e.get(0).path(), e.toString());
  }
}
