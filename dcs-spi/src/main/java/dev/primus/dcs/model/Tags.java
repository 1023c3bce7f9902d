package dev.primus.dcs.model;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A member's {@code tags}, with the ones Patroni gives meaning to parsed and every tag kept in
 * {@link #all()} (custom tags drive {@code GET /replica?tag_x=y}).
 *
 * @param noFailover       never take the leader lock
 * @param noLoadBalance    {@code GET /replica} answers 503
 * @param cloneFrom        other members may take base backups from this one
 * @param replicateFrom    stream from this member instead of the leader
 * @param noSync           never a synchronous standby
 * @param noStream         do not stream at all (archive recovery only)
 * @param failoverPriority higher wins among equally advanced candidates; 0 means never (default 1)
 * @param all              every tag as written, for round trips and tag filters
 */
public record Tags(
    boolean noFailover,
    boolean noLoadBalance,
    boolean cloneFrom,
    Optional<String> replicateFrom,
    boolean noSync,
    boolean noStream,
    int failoverPriority,
    Map<String, Object> all) {

  /** Patroni's default priority for a member without the tag. */
  public static final int DEFAULT_FAILOVER_PRIORITY = 1;

  public static final Tags NONE =
      new Tags(false, false, false, Optional.empty(), false, false, DEFAULT_FAILOVER_PRIORITY, Map.of());

  public Tags {
    Objects.requireNonNull(replicateFrom, "replicateFrom");
    all = Map.copyOf(all);
  }

  /** Whether this member may ever become leader: not nofailover and a positive priority. */
  public boolean canFailover() {
    return !noFailover && failoverPriority > 0;
  }
}
