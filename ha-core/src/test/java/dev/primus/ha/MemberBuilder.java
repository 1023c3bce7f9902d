package dev.primus.ha;

import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.Tags;
import java.util.Map;
import java.util.Optional;

/** A member key as another agent would have written it: by default a running, streaming replica on timeline 1. */
final class MemberBuilder {
  private final String name;
  private MemberRole role = MemberRole.REPLICA;
  private MemberState state = MemberState.RUNNING;
  private long wal;
  private long timeline = 1;
  private String apiUrl;
  private Tags tags = Tags.NONE;

  private MemberBuilder(String name) {
    this.name = name;
    this.apiUrl = "http://" + name + ":8008/patroni";
  }

  static MemberBuilder member(String name) {
    return new MemberBuilder(name);
  }

  MemberBuilder primary() {
    role = MemberRole.PRIMARY;
    return this;
  }

  MemberBuilder state(MemberState s) {
    state = s;
    return this;
  }

  MemberBuilder wal(long lsn) {
    wal = lsn;
    return this;
  }

  MemberBuilder timeline(long tl) {
    timeline = tl;
    return this;
  }

  MemberBuilder noApiUrl() {
    apiUrl = "";
    return this;
  }

  MemberBuilder tags(Tags t) {
    tags = t;
    return this;
  }

  MemberBuilder nofailover() {
    return tags(new Tags(true, false, false, Optional.empty(), false, false, 1, Map.of("nofailover", true)));
  }

  MemberBuilder nosync() {
    return tags(new Tags(false, false, false, Optional.empty(), true, false, 1, Map.of("nosync", true)));
  }

  MemberBuilder cloneFrom() {
    return tags(new Tags(false, false, true, Optional.empty(), false, false, 1, Map.of("clonefrom", true)));
  }

  Member build() {
    boolean replica = role == MemberRole.REPLICA;
    MemberStatus s = new MemberStatus("postgres://" + name + ":5432/postgres", apiUrl, state, role, Optional.of("0.1.0"),
        Optional.of(wal), Optional.of(timeline), replica ? Optional.of("streaming") : Optional.empty(),
        replica ? Optional.of(wal) : Optional.empty(), replica ? Optional.of(wal) : Optional.empty(), tags, false,
        Map.of(), Optional.empty(), Optional.empty(), false, Map.of());
    return new Member(name, s, 7, Optional.of("lease-" + name));
  }
}
