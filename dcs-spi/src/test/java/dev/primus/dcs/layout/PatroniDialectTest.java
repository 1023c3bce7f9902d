package dev.primus.dcs.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.PatroniDialect;
import dev.primus.dcs.spi.KeyValue;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A member key speaks the Patroni it claims: 3.0.2 writes {@code master}, 4.x {@code primary}. */
class PatroniDialectTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Patroni 3.0.2's own leader key value, decoded and written again, is what Patroni 3.0.2 wrote. */
  @Test
  void aPatroni302PrimaryIsWrittenBackAsMaster() throws Exception {
    KeyValue node2 = EtcdDump.load("01-bootstrapped.json").get("/service/demo/members/node2").orElseThrow();
    MemberStatus decoded = PatroniCodec.decodeMember(node2.key(), node2.value(), node2.version()).toOptional()
        .orElseThrow();
    assertEquals(MemberRole.PRIMARY, decoded.role());
    JsonNode again = JSON.readTree(PatroniCodec.encodeMember(decoded));
    assertEquals(JSON.readTree(node2.value()), again, "the same value, role master included");
  }

  @Test
  void theRoleFollowsTheClaimedVersion() throws Exception {
    KeyValue node2 = EtcdDump.load("01-bootstrapped.json").get("/service/demo/members/node2").orElseThrow();
    MemberStatus v3 = PatroniCodec.decodeMember(node2.key(), node2.value(), node2.version()).toOptional().orElseThrow();
    MemberStatus v4 = new MemberStatus(v3.connUrl(), v3.apiUrl(), v3.state(), v3.role(), Optional.of("4.0.0"),
        v3.xlogLocation(), v3.timeline(), v3.replicationState(), v3.receiveLsn(), v3.replayLsn(), v3.tags(),
        v3.pendingRestart(), v3.pendingRestartReason(), v3.scheduledRestart(), v3.proxyUrl(), v3.pause(),
        v3.extra());
    assertEquals("primary", JSON.readTree(PatroniCodec.encodeMember(v4)).path("role").asText());
    assertEquals("master", PatroniDialect.V3.roleName(MemberRole.PRIMARY));
    assertEquals("replica", PatroniDialect.V3.roleName(MemberRole.REPLICA));
    assertEquals(PatroniDialect.V3, PatroniDialect.ofVersion(Optional.of("3.0.2")));
    assertEquals(PatroniDialect.V3, PatroniDialect.ofVersion(Optional.of("2.1.4")));
    assertEquals(PatroniDialect.V4, PatroniDialect.ofVersion(Optional.of("4.0.4")));
    assertEquals(PatroniDialect.V4, PatroniDialect.ofVersion(Optional.empty()));
    assertEquals(Optional.of(PatroniDialect.V4), PatroniDialect.named("4"));
    assertEquals(Optional.of(PatroniDialect.V3), PatroniDialect.named("3.0.2"));
    assertEquals(Optional.empty(), PatroniDialect.named("five"));
  }
}
