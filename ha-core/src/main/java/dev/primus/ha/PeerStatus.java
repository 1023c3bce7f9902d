package dev.primus.ha;

import java.util.Objects;

/**
 * What a peer answered on {@code GET /patroni} during a leader race (only the fields the race uses).
 *
 * @param inRecovery       it runs as a replica (no {@code xlog.location} and role not primary)
 * @param walPosition      max(received, replayed) for a replica, its location for a primary
 * @param timeline         its timeline, 0 if not reported
 * @param noFailover       it has the nofailover tag
 * @param failoverPriority its failover_priority tag (default 1)
 * @param watchdogFailed   its watchdog failed, so it cannot lead
 */
public record PeerStatus(
    boolean inRecovery, long walPosition, long timeline, boolean noFailover, int failoverPriority, boolean watchdogFailed) {}
