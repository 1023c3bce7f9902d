package dev.primus.dcs.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SessionTtlTest {

  @ParameterizedTest(name = "lease ttl {0} ms -> session TTL {1}, lease really {2} s")
  @CsvSource({
      "30000, 15s, 30",   // Patroni's default ttl: TTL 15s, invalidated after 30s
      "2000,  10s, 20",   // below Consul's minimum: raised to 10s, so the lease lasts 20s
      "20000, 10s, 20",
      "21000, 11s, 22",   // 10.5s rounds up: never shorter than asked
      "25500, 13s, 26",
      "1,     10s, 20",
  })
  void halvesTheTtlRoundsUpAndReportsWhatIsGranted(long askedMillis, String sessionTtl, long grantedSeconds) {
    Duration session = SessionTtl.forLease(Duration.ofMillis(askedMillis));
    assertEquals(sessionTtl, SessionTtl.format(session));
    assertEquals(Duration.ofSeconds(grantedSeconds), SessionTtl.leaseTtl(session));
  }

  @Test
  void parsesTheGoDurationsConsulReports() {
    assertEquals(Optional.of(Duration.ofSeconds(15)), SessionTtl.parse("15s"));
    assertEquals(Optional.of(Duration.ofSeconds(90)), SessionTtl.parse("1m30s"));
    assertEquals(Optional.of(Duration.ofHours(24)), SessionTtl.parse("24h0m0s"));
    assertEquals(Optional.of(Duration.ofMillis(1500)), SessionTtl.parse("1.5s"));
    assertEquals(Optional.of(Duration.ofMillis(500)), SessionTtl.parse("500ms"));
    assertEquals(Optional.empty(), SessionTtl.parse(""));
    assertEquals(Optional.empty(), SessionTtl.parse("0s"));
    assertEquals(Optional.empty(), SessionTtl.parse("15"));
    assertEquals(Optional.empty(), SessionTtl.parse("fifteen seconds"));
    assertEquals(Optional.empty(), SessionTtl.parse(null));
  }
}
