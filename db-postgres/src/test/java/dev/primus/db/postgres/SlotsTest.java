package dev.primus.db.postgres;

import static dev.primus.db.postgres.TestMaps.linked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.primus.db.postgres.Slots.Wanted;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class SlotsTest {

  @Test
  void memberNamesBecomeSlotNamesAsPatroniMakesThem() {
    assertEquals("node1", Slots.slotName("node1"));
    assertEquals("pg_1_db_example_com", Slots.slotName("PG-1.db.example.com"));
    assertEquals("nu00e4chsteu0020node", Slots.slotName("nächste node"));
    assertEquals(63, Slots.slotName("x".repeat(100)).length());
    String once = Slots.slotName("Weird Name-1");
    assertEquals(once, Slots.slotName(once), "applying it twice changes nothing");
  }

  @Test
  void wantedSlotsFromMembersAndPermanentDefinitions() throws DriverException {
    Map<String, Object> permanent = linked(
        "archiver", null,
        "standby_cluster", linked("type", "physical", "lsn", "0/3000060"),
        "cdc", linked("type", "logical", "database", "app", "plugin", "pgoutput"),
        "implicit", linked("database", "app", "plugin", "wal2json"));
    Map<String, Wanted> w = Slots.wanted(Set.of("node-2", "node3"), permanent);
    assertEquals(List.of("node_2", "node3", "archiver", "cdc", "implicit", "standby_cluster"), List.copyOf(w.keySet()));
    assertEquals(new Wanted("archiver", false, Optional.empty(), Optional.empty(), Optional.empty()), w.get("archiver"));
    assertEquals(Optional.of(0x3000060L), w.get("standby_cluster").advanceTo());
    assertEquals(new Wanted("cdc", true, Optional.of("app"), Optional.of("pgoutput"), Optional.empty()), w.get("cdc"));
    assertEquals(true, w.get("implicit").logical(), "database and plugin make a slot logical");
  }

  @Test
  void badDefinitionsNameTheSlot() {
    DriverException noPlugin = assertThrows(DriverException.class,
        () -> Slots.wanted(Set.of(), linked("cdc", linked("type", "logical", "database", "app"))));
    assertEquals(Kind.INVALID_CONFIG, noPlugin.kind());
    assertEquals("slots.cdc.plugin is required for a logical slot", noPlugin.getMessage());
    assertThrows(DriverException.class, () -> Slots.wanted(Set.of(), linked("x", linked("type", "other"))));
    assertThrows(DriverException.class, () -> Slots.wanted(Set.of(), linked("Bad-Name", null)));
    assertThrows(DriverException.class, () -> Slots.wanted(Set.of(), linked("s", linked("lsn", "nope"))));
  }
}
