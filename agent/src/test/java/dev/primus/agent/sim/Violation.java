package dev.primus.agent.sim;

import java.time.Instant;

/**
 * One broken safety or liveness property (DESIGN section 6).
 *
 * @param invariant 0 the engine or the simulator threw (counted, so a crash fails the run too); 1 two
 *                  writable primaries; 2 promotion without the lock or beyond the lag limit;
 *                  3 a primary still writable when its lock expired; 4 no primary for too long;
 *                  5 a CAS-protected key written unconditionally or against a moved version; 6 in
 *                  synchronous mode, a promotion that lost commits acknowledged to clients
 * @param at        when it was seen
 * @param detail    what exactly, with member names and positions
 */
record Violation(int invariant, Instant at, String detail) {

  static String title(int invariant) {
    return switch (invariant) {
      case 0 -> "the engine or the simulator threw";
      case 1 -> "two writable primaries";
      case 2 -> "promotion without the lock or beyond maximum_lag_on_failover";
      case 3 -> "primary still writable when its lock expired";
      case 4 -> "no primary within the liveness bound";
      case 5 -> "CAS-protected key overwritten by a stale or unconditional write";
      case 6 -> "in synchronous mode, a promotion lost commits acknowledged to clients";
      default -> "invariant " + invariant;
    };
  }

  @Override
  public String toString() {
    return "invariant " + invariant + " (" + title(invariant) + "): " + detail;
  }
}
