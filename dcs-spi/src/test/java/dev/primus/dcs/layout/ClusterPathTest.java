package dev.primus.dcs.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Patroni's key layout: the base path, the key names, and what a scope or member name may be. */
final class ClusterPathTest {

  @Test
  void defaultNamespaceIsService() {
    ClusterPath p = ClusterPath.of("demo");
    assertEquals("/service/demo/", p.base());
    assertEquals(ClusterPath.DEFAULT_NAMESPACE, p.namespace());
  }

  @Test
  void everyKeyName() {
    ClusterPath p = ClusterPath.of("demo");
    assertEquals("/service/demo/leader", p.leader());
    assertEquals("/service/demo/members/", p.members());
    assertEquals("/service/demo/members/node1", p.member("node1"));
    assertEquals("/service/demo/config", p.config());
    assertEquals("/service/demo/initialize", p.initialize());
    assertEquals("/service/demo/status", p.status());
    assertEquals("/service/demo/history", p.history());
    assertEquals("/service/demo/failover", p.failover());
    assertEquals("/service/demo/sync", p.sync());
    assertEquals("/service/demo/failsafe", p.failsafe());
    assertEquals("/service/demo/optime/leader", p.leaderOptime());
  }

  @Test
  void repeatedSlashesCollapseAsInPatroni() {
    assertEquals("/service/demo/", ClusterPath.of("/service/", "demo").base());
    assertEquals("/a/b/demo/", ClusterPath.of("//a//b/", "demo").base());
    assertEquals("/demo/", ClusterPath.of("", "demo").base(), "an empty namespace is no namespace");
    assertEquals("/service/demo/config", ClusterPath.of("demo").key("//config"));
  }

  @Test
  void aCitusGroupIsInsertedAfterTheScope() {
    ClusterPath g = ClusterPath.of("demo").withGroup(1);
    assertEquals("/service/demo/1/", g.base());
    assertEquals("/service/demo/1/leader", g.leader());
    assertEquals("/service/demo/1/members/n", g.member("n"));
    assertThrows(IllegalArgumentException.class, () -> ClusterPath.of("demo").withGroup(-1));
  }

  @Test
  void relativeNamesAndMemberNamesOfKeys() {
    ClusterPath p = ClusterPath.of("demo");
    assertEquals(Optional.of("leader"), p.relative("/service/demo/leader"));
    assertEquals(Optional.empty(), p.relative("/service/demo2/leader"));
    assertEquals(Optional.of("node1"), p.memberNameOf("/service/demo/members/node1"));
    assertEquals(Optional.empty(), p.memberNameOf("/service/demo/members/node1/x"), "only direct children");
    assertEquals(Optional.empty(), p.memberNameOf("/service/demo/members/"));
    assertEquals(Optional.empty(), p.memberNameOf("/service/demo/leader"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a/b", "/", ".", "..", " lead", "trail ", "tab\tin", "nl\n"})
  void invalidNamesAreRefusedWithTheReason(String name) {
    assertFalse(ClusterPath.isValidName(name));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterPath.of(name));
    assertTrue(e.getMessage().startsWith("scope "), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ClusterPath.of("demo").member(name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"node1", "postgres-0", "pg.example.com", "node 1", "ünïcode"})
  void ordinaryNamesAreAccepted(String name) {
    assertTrue(ClusterPath.isValidName(name));
    assertEquals("/service/demo/members/" + name, ClusterPath.of("demo").member(name));
  }
}
