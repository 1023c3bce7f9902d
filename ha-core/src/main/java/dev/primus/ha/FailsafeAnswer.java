package dev.primus.ha;

import java.util.Objects;
import java.util.Optional;

/**
 * One member's answer to this primary's {@code POST /failsafe} (Patroni's failsafe mode): whether it
 * agrees that this member keeps running as the primary while the DCS cannot be reached.
 */
public sealed interface FailsafeAnswer {

  /**
   * The member answered {@code 200 Accepted}: it will not race for the lock for a ttl.
   *
   * @param lsn the received/replayed WAL position from its {@code lsn} header, if it sent one
   */
  record Accepted(Optional<Long> lsn) implements FailsafeAnswer {
    public Accepted {
      Objects.requireNonNull(lsn, "lsn");
    }
  }

  /** Anything else: another status or body (a running primary answers 500), no answer, a timeout. */
  record Refused(String reason) implements FailsafeAnswer {
    public Refused {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
