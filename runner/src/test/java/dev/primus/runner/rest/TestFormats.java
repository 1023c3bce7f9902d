package dev.primus.runner.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The text forms Patroni's clients read. */
class TestFormats {
  @Test
  void lsnLikePostgres() {
    assertEquals("0/4000060", Formats.lsn(67_108_960L));
    assertEquals("0/0", Formats.lsn(0));
    assertEquals("1/A0", Formats.lsn((1L << 32) + 0xA0));
  }

  @Test
  void timestampsLikePython() {
    assertEquals("2026-11-22 04:15:33.805367+00:00", Formats.timestamp(Instant.parse("2026-11-22T04:15:33.805367Z")));
    assertEquals("2026-11-22 04:15:33+00:00", Formats.timestamp(Instant.parse("2026-11-22T04:15:33Z")));
    assertEquals("2026-11-22T05:16:00+00:00", Formats.isoTimestamp(OffsetDateTime.parse("2026-11-22T05:16Z")));
    assertEquals("2026-11-22T05:16:00.500000+02:00", Formats.isoTimestamp(OffsetDateTime.parse("2026-11-22T05:16:00.5+02:00")));
    assertEquals("1795320933.805367", Formats.epochSeconds(Instant.parse("2026-11-22T04:15:33.805367Z")));
    assertEquals("1795320933", Formats.epochSeconds(Instant.parse("2026-11-22T04:15:33Z")));
  }

  @Test
  void versions() {
    assertEquals("030002", Formats.paddedVersion("3.0.2"));
    assertEquals("040104", Formats.paddedVersion("4.1.4"));
    assertEquals(Optional.of(150002), Formats.postgresVersion("15.2"));
    assertEquals(Optional.of(160000), Formats.postgresVersion("16"));
    assertEquals(Optional.of(90603), Formats.postgresVersion("9.6.3"));
    assertEquals(Optional.empty(), Formats.postgresVersion("fifteen"));
    assertEquals(Optional.empty(), Formats.postgresVersion("15.2.1"));
  }

  @Test
  void schedules() {
    assertEquals(new Formats.Schedule.At(OffsetDateTime.parse("2026-11-22T05:16:00+00:00")),
        Formats.parseSchedule("2026-11-22 05:16:00+00:00"));
    assertEquals(new Formats.Schedule.NoTimezone(), Formats.parseSchedule("2026-11-22T05:16:00"));
    assertEquals(new Formats.Schedule.Unparsable(), Formats.parseSchedule("next tuesday"));
  }

  @Test
  void hostAndPortOfAConnUrl() {
    assertEquals(Optional.of(new Formats.HostAndPort("127.0.0.1", 54321)),
        Formats.hostPort("postgres://127.0.0.1:54321/postgres"));
    assertEquals(Optional.of(new Formats.HostAndPort("::1", 5432)), Formats.hostPort("postgres://[::1]/postgres"));
    assertEquals(Optional.empty(), Formats.hostPort(""));
  }
}
