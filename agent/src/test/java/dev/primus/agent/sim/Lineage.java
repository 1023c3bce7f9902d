package dev.primus.agent.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * A database's WAL history as a list of branches, oldest first. Every promotion starts a new branch
 * with a globally unique id, so two members that both went to "timeline 3" from timeline 2 (a split
 * brain) are told apart, which PostgreSQL's timeline numbers alone would not do.
 *
 * @param segments at least one; each starts where its predecessor was left
 */
record Lineage(List<Segment> segments) {

  /** One branch of WAL: timeline {@code timeline}, begun at {@code startLsn}. */
  record Segment(long branch, long timeline, long startLsn) {}

  Lineage {
    segments = List.copyOf(segments);
    if (segments.isEmpty()) {
      throw new IllegalArgumentException("a lineage has at least one segment");
    }
  }

  static Lineage initial(long branch, long startLsn) {
    return new Lineage(List.of(new Segment(branch, 1, startLsn)));
  }

  Segment last() {
    return segments.get(segments.size() - 1);
  }

  long timeline() {
    return last().timeline();
  }

  /** This lineage plus a new branch on timeline {@code timeline} beginning at {@code lsn} (a promotion). */
  Lineage branch(long branch, long timeline, long lsn) {
    List<Segment> s = new ArrayList<>(segments);
    s.add(new Segment(branch, timeline, lsn));
    return new Lineage(s);
  }

  /**
   * Whether a server with this lineage, at {@code position}, can stream from a source with lineage
   * {@code source}: the source's history must contain our latest branch, and if the source went on to a
   * later branch, it must have left ours at or after the point we reached (otherwise we hold WAL the
   * source never had: we diverged and need pg_rewind).
   */
  boolean canFollow(long position, Lineage source) {
    int k = segments.size() - 1;
    List<Segment> src = source.segments;
    if (src.size() <= k || src.get(k).branch() != segments.get(k).branch()) {
      return false;
    }
    return src.size() == k + 1 || src.get(k + 1).startLsn() >= position;
  }

  /**
   * The LSN where this lineage and {@code other} part: the start of the first branch they do not share,
   * or {@code Long.MAX_VALUE} when one contains the other.
   */
  long forkPoint(Lineage other) {
    int n = Math.min(segments.size(), other.segments.size());
    for (int i = 0; i < n; i++) {
      if (segments.get(i).branch() != other.segments.get(i).branch()) {
        return Math.min(segments.get(i).startLsn(), other.segments.get(i).startLsn());
      }
    }
    if (segments.size() > n) {
      return segments.get(n).startLsn();
    }
    if (other.segments.size() > n) {
      return other.segments.get(n).startLsn();
    }
    return Long.MAX_VALUE;
  }

  /**
   * Whether this lineage and {@code other} part on branches that carry the same timeline number and begin
   * at the same LSN: two members promoted at one point, each unaware of the other's history file, both
   * calling the next timeline N+1. No history file, timeline number or switch LSN tells such namesakes
   * apart (Patroni cannot either); only the WAL after the switch differs.
   */
  boolean namesakeOf(Lineage other) {
    int n = Math.min(segments.size(), other.segments.size());
    for (int i = 0; i < n; i++) {
      Segment a = segments.get(i);
      Segment b = other.segments.get(i);
      if (a.branch() != b.branch()) {
        return a.timeline() == b.timeline() && a.startLsn() == b.startLsn();
      }
    }
    return false;
  }

  /** The prefix of {@code source} a follower at {@code position} has reached (timeline switches replayed). */
  static Lineage reachedOf(Lineage source, int atLeast, long position) {
    List<Segment> s = new ArrayList<>();
    for (int i = 0; i < source.segments.size(); i++) {
      Segment seg = source.segments.get(i);
      if (i > atLeast && seg.startLsn() > position) {
        break;
      }
      s.add(seg);
    }
    return new Lineage(s);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    int from = Math.max(0, segments.size() - 3);
    if (from > 0) {
      b.append("(").append(from).append(" more)");
    }
    for (Segment s : segments.subList(from, segments.size())) {
      b.append(b.length() == 0 ? "" : ">").append("tl").append(s.timeline()).append('#').append(s.branch())
          .append('@').append(s.startLsn());
    }
    return b.toString();
  }
}
