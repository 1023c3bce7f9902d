package dev.primus.runner.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.WriteResult;
import java.io.IOException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code primus ctl} commands that change the cluster: switchover, failover, pause, resume, restart,
 * reload, reinit, remove. Each asks before acting unless {@code --force}, as patronictl does.
 */
final class CtlActions {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A REST request that waits for a switchover: Patroni's API waits up to 2 * max(10, loop_wait) s. */
  private static final Duration LONG_REQUEST = Duration.ofSeconds(120);
  private static final Duration SHORT_REQUEST = Duration.ofSeconds(30);

  private CtlActions() {}

  // ================================================================= switchover / failover

  /** {@code switchover [--leader] [--candidate] [--scheduled] [--force]}. */
  @Command(name = "switchover", mixinStandardHelpOptions = true, description = "Switch the leader over to a replica.")
  static final class Switchover extends CtlCommand.Sub {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = {"--leader", "--primary", "--master"}, paramLabel = "NAME", description = "the current leader")
    String leader;

    @Option(names = "--candidate", paramLabel = "NAME", description = "the member to promote (default: the healthiest)")
    String candidate;

    @Option(names = "--scheduled", paramLabel = "WHEN", description = "ISO 8601 time, or 'now'")
    String scheduled;

    @Option(names = "--force", description = "do not ask")
    boolean force;

    @Override
    int run(CtlContext ctx) throws Exception {
      return manualFailover(ctx, "switchover", cluster, leader, candidate, scheduled, force);
    }
  }

  /** {@code failover [--candidate] [--force]}: a failover to a named candidate, even without a leader. */
  @Command(name = "failover", mixinStandardHelpOptions = true, description = "Fail over to a replica.")
  static final class Failover extends CtlCommand.Sub {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = {"--leader", "--primary", "--master"}, paramLabel = "NAME",
        description = "the current leader (makes it a switchover)")
    String leader;

    @Option(names = "--candidate", paramLabel = "NAME", description = "the member to promote")
    String candidate;

    @Option(names = "--force", description = "do not ask")
    boolean force;

    @Override
    int run(CtlContext ctx) throws Exception {
      return manualFailover(ctx, "failover", cluster, leader, candidate, null, force);
    }
  }

  private static int manualFailover(CtlContext ctx, String action, String clusterArg, String leaderOpt,
      String candidateOpt, String scheduledOpt, boolean force) throws Exception {
    String name = ctx.cluster(Optional.ofNullable(clusterArg));
    ClusterView view = ctx.read(name);
    Optional<String> currentLeader = view.leader().map(LeaderLock::holder);
    boolean switchover = action.equals("switchover");
    if (switchover && currentLeader.isEmpty()) {
      throw new IllegalArgumentException("This cluster has no leader");
    }
    ctx.out.println("Current cluster topology");
    ctx.out.println(ClusterTable.of(view, name, false, false).render(ClusterTable.Format.PRETTY));

    Optional<String> leader = Optional.ofNullable(leaderOpt);
    if (switchover && leader.isEmpty()) {
      leader = Optional.of(force ? currentLeader.get() : ctx.prompt("Primary", currentLeader));
    }
    if (leader.isPresent() && !leader.equals(currentLeader)) {
      throw new IllegalArgumentException("Member " + leader.get() + " is not the leader of cluster " + name);
    }
    List<String> candidates = view.members().stream().map(Member::name)
        .filter(n -> !currentLeader.map(n::equals).orElse(false)).sorted().toList();
    Optional<String> candidate = Optional.ofNullable(candidateOpt).filter(s -> !s.isBlank());
    if (candidate.isEmpty() && !force) {
      String answer = ctx.prompt("Candidate " + candidates, Optional.of(""));
      candidate = Optional.of(answer).filter(s -> !s.isBlank());
    }
    if (!switchover && candidate.isEmpty()) {
      throw new IllegalArgumentException("failover requires a candidate (--candidate)");
    }
    if (candidate.isPresent() && leader.isPresent() && candidate.equals(leader)) {
      throw new IllegalArgumentException("Switchover target and source are the same.");
    }
    if (candidate.isPresent() && view.member(candidate.get()).isEmpty()) {
      throw new IllegalArgumentException("Member " + candidate.get() + " does not exist in cluster " + name);
    }
    Optional<OffsetDateTime> at = Optional.empty();
    if (switchover) {
      String when = scheduledOpt;
      if (when == null && !force) {
        String example = LocalDateTime.now().plusHours(1).truncatedTo(ChronoUnit.MINUTES)
            .format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm"));
        when = ctx.prompt("When should the switchover take place (e.g. " + example + " ) ", Optional.of("now"));
      }
      at = parseWhen(when == null ? "now" : when);
    }
    if (!force) {
      String question = "Are you sure you want to " + action + " cluster " + name
          + currentLeader.map(l -> ", demoting current primary " + l).orElse("") + "?";
      if (!ctx.confirm(question)) {
        ctx.out.println("Aborting " + action);
        return 1;
      }
    }

    Map<String, Object> body = new LinkedHashMap<>();
    leader.ifPresent(l -> body.put("leader", l));
    candidate.ifPresent(c -> body.put("candidate", c));
    at.ifPresent(t -> body.put("scheduled_at", ClusterTable.isoformat(t)));
    String endpoint = leader.isPresent() ? "switchover" : "failover";
    Optional<String> chosen = candidate;
    Optional<Member> target = currentLeader.flatMap(view::member).or(() -> chosen.flatMap(view::member));
    try {
      if (target.isEmpty()) {
        throw new IOException("no member to send the request to");
      }
      CtlContext.Answer a = ctx.request(target.get(), "POST", endpoint, Optional.of(JSON.writeValueAsString(body)),
          LONG_REQUEST);
      if (a.status() == 200 || a.status() == 202) {
        ctx.out.println(CtlContext.timestamp(LocalDateTime.now()) + " " + a.body());
      } else {
        ctx.out.println(title(action) + " failed, details: " + a.status() + ", " + a.body());
        return 1;
      }
    } catch (IOException e) {
      ctx.err.println("warning: " + e.getMessage() + "; falling back to the DCS");
      ctx.out.println(CtlContext.timestamp(LocalDateTime.now()) + " Could not " + action
          + " using Patroni api, falling back to DCS");
      FailoverRequest request = new FailoverRequest(leader, candidate, at);
      WriteResult w = ctx.dcs(name).writeFailover(request, view.failover().map(Versioned::version));
      if (!w.succeeded()) {
        throw new IllegalStateException("the failover key changed meanwhile; nothing was written");
      }
    }
    ctx.out.println(ClusterTable.of(ctx.read(name), name, false, false).render(ClusterTable.Format.PRETTY));
    return 0;
  }

  /** {@code now} or an ISO 8601 time; without an offset it is local time, as patronictl reads it. */
  static Optional<OffsetDateTime> parseWhen(String when) {
    String w = when.strip();
    if (w.isEmpty() || w.equalsIgnoreCase("now")) {
      return Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(w));
    } catch (DateTimeParseException e) {
      try {
        LocalDateTime local = LocalDateTime.parse(w.replace(' ', 'T'));
        return Optional.of(local.atZone(ZoneId.systemDefault()).toOffsetDateTime());
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException("Unable to parse scheduled timestamp (" + when + "). It should be in"
            + " ISO 8601 format.");
      }
    }
  }

  private static String title(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  // ================================================================= pause / resume

  /** {@code pause [--wait]}. */
  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Stop automatic failover (maintenance mode).")
  static final class Pause extends CtlCommand.Sub {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--wait", description = "wait until every member shows it")
    boolean await;

    @Override
    int run(CtlContext ctx) throws Exception {
      return togglePause(ctx, cluster, true, await);
    }
  }

  /** {@code resume [--wait]}. */
  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume automatic failover.")
  static final class Resume extends CtlCommand.Sub {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--wait", description = "wait until every member shows it")
    boolean await;

    @Override
    int run(CtlContext ctx) throws Exception {
      return togglePause(ctx, cluster, false, await);
    }
  }

  private static int togglePause(CtlContext ctx, String clusterArg, boolean pause, boolean await) throws Exception {
    String name = ctx.cluster(Optional.ofNullable(clusterArg));
    ClusterView view = ctx.read(name);
    if (view.paused() == pause) {
      throw new IllegalArgumentException("Cluster is " + (pause ? "already" : "not") + " paused");
    }
    String body = pause ? "{\"pause\": true}" : "{\"pause\": null}";
    for (Member m : leaderFirst(view)) {
      CtlContext.Answer a;
      try {
        a = ctx.request(m, "PATCH", "config", Optional.of(body), SHORT_REQUEST);
      } catch (IOException e) {
        ctx.err.println("warning: member " + m.name() + " is not accessible: " + e.getMessage());
        continue;
      }
      if (a.status() == 200) {
        if (await) {
          ctx.out.println("'" + (pause ? "pause" : "resume") + "' request sent, waiting until it is recognized by all nodes");
          ctx.out.flush();
          awaitPause(ctx, name, pause);
        }
        ctx.out.println("Success: cluster management is " + (pause ? "paused" : "resumed"));
        return 0;
      }
      ctx.out.println("Failed: " + (pause ? "pause" : "resume") + " cluster management status code=" + a.status()
          + ", (" + a.body() + ")");
      return 1;
    }
    throw new IllegalStateException("Can not find accessible cluster member");
  }

  private static void awaitPause(CtlContext ctx, String name, boolean pause) throws DcsException, InterruptedException {
    while (true) {
      ClusterView v = ctx.read(name);
      boolean all = v.members().stream().filter(m -> m.version() != -1).allMatch(m -> m.status().pause() == pause);
      if (all) {
        return;
      }
      Thread.sleep(1000);
    }
  }

  /** The leader first, then the others by name: whom a cluster-wide REST request goes to. */
  static List<Member> leaderFirst(ClusterView view) {
    Optional<String> leader = view.leader().map(LeaderLock::holder);
    List<Member> out = new ArrayList<>(view.members().stream().filter(m -> !m.status().apiUrl().isBlank()).toList());
    out.sort(Comparator.comparing((Member m) -> !leader.map(m.name()::equals).orElse(false)).thenComparing(Member::name));
    return out;
  }

  // ================================================================= restart / reload / reinit

  /** {@code restart [cluster] [member...] [--role] [--any] [--scheduled] [--pg-version] [--pending] [--timeout] [--force]}. */
  @Command(name = "restart", mixinStandardHelpOptions = true, description = "Restart PostgreSQL on members.")
  static final class Restart extends CtlCommand.Sub {
    @Parameters(arity = "0..*", paramLabel = "CLUSTER [MEMBER...]")
    List<String> args = new ArrayList<>();

    @Option(names = {"-r", "--role"}, defaultValue = "any", description = "leader, primary, replica, standby-leader or any")
    String role;

    @Option(names = "--any", description = "restart one member chosen at random")
    boolean any;

    @Option(names = "--scheduled", paramLabel = "WHEN", description = "ISO 8601 time, or 'now'")
    String scheduled;

    @Option(names = "--pg-version", paramLabel = "VERSION", description = "only if the running version is older")
    String pgVersion;

    @Option(names = "--pending", description = "only members with a pending restart")
    boolean pending;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "give up (and fail over a primary) after this")
    Integer timeout;

    @Option(names = "--force", description = "do not ask; drop a restart already scheduled")
    boolean force;

    @Override
    int run(CtlContext ctx) throws Exception {
      String name = ctx.cluster(args.stream().findFirst());
      ClusterView view = ctx.read(name);
      List<Member> members = members(view, args.size() > 1 ? args.subList(1, args.size()) : List.of(), role, name);
      if (any && !members.isEmpty()) {
        members = List.of(members.get(new java.util.Random().nextInt(members.size())));
      }
      String when = scheduled;
      if (when == null && !force) {
        when = ctx.prompt("When should the restart take place (e.g. " + LocalDateTime.now().plusHours(1)
            .truncatedTo(ChronoUnit.MINUTES).format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm")) + ") ",
            Optional.of("now"));
      }
      Optional<OffsetDateTime> at = parseWhen(when == null ? "now" : when);
      if (!force && !ctx.confirm("Are you sure you want to restart members " + names(members) + "?")) {
        ctx.out.println("Aborted restart");
        return 1;
      }
      Map<String, Object> body = new LinkedHashMap<>();
      at.ifPresent(t -> body.put("schedule", ClusterTable.isoformat(t)));
      if (pgVersion != null) {
        body.put("postgres_version", pgVersion);
      }
      if (pending) {
        body.put("restart_pending", true);
      }
      if (timeout != null) {
        body.put("timeout", timeout);
      }
      if (!role.equals("any")) {
        body.put("role", role.equals("leader") ? "primary" : role.replace('-', '_'));
      }
      int rc = 0;
      for (Member m : members) {
        if (force && m.status().scheduledRestart().isPresent()) {
          ctx.request(m, "DELETE", "restart", Optional.empty(), SHORT_REQUEST);
        }
        CtlContext.Answer a = ctx.request(m, "POST", "restart", Optional.of(JSON.writeValueAsString(body)), LONG_REQUEST);
        if (a.status() == 200) {
          ctx.out.println("Success: restart on member " + m.name());
        } else if (a.status() == 202) {
          ctx.out.println("Success: restart scheduled on member " + m.name());
        } else {
          ctx.out.println("Failed: restart for member " + m.name() + ", status code=" + a.status() + ", (" + a.body() + ")");
          rc = 1;
        }
      }
      return rc;
    }
  }

  /** {@code reload [cluster] [member...] [--role] [--force]}. */
  @Command(name = "reload", mixinStandardHelpOptions = true, description = "Reload the configuration of members.")
  static final class Reload extends CtlCommand.Sub {
    @Parameters(arity = "0..*", paramLabel = "CLUSTER [MEMBER...]")
    List<String> args = new ArrayList<>();

    @Option(names = {"-r", "--role"}, defaultValue = "any", description = "leader, primary, replica, standby-leader or any")
    String role;

    @Option(names = "--force", description = "do not ask")
    boolean force;

    @Override
    int run(CtlContext ctx) throws Exception {
      String name = ctx.cluster(args.stream().findFirst());
      ClusterView view = ctx.read(name);
      List<Member> members = members(view, args.size() > 1 ? args.subList(1, args.size()) : List.of(), role, name);
      if (!force && !ctx.confirm("Are you sure you want to reload members " + names(members) + "?")) {
        ctx.out.println("Aborted reload");
        return 1;
      }
      long loopWait = view.config().map(c -> c.value().loopWait().toSeconds()).orElse(10L);
      int rc = 0;
      for (Member m : members) {
        CtlContext.Answer a = ctx.request(m, "POST", "reload", Optional.empty(), SHORT_REQUEST);
        if (a.status() == 200) {
          ctx.out.println("No changes to apply on member " + m.name());
        } else if (a.status() == 202) {
          ctx.out.println("Reload request received for member " + m.name() + " and will be processed within "
              + loopWait + " seconds");
        } else {
          ctx.out.println("Failed: reload for member " + m.name() + ", status code=" + a.status() + ", (" + a.body() + ")");
          rc = 1;
        }
      }
      return rc;
    }
  }

  /** {@code reinit [cluster] member... [--from-leader] [--wait] [--force]}. */
  @Command(name = "reinit", mixinStandardHelpOptions = true, description = "Rebuild replicas from the leader.")
  static final class Reinit extends CtlCommand.Sub {
    @Parameters(arity = "0..*", paramLabel = "CLUSTER [MEMBER...]")
    List<String> args = new ArrayList<>();

    @Option(names = "--from-leader", description = "take the copy from the leader, not a clonefrom member")
    boolean fromLeader;

    @Option(names = "--wait", description = "wait until the rebuild is done")
    boolean await;

    @Option(names = "--force", description = "do not ask")
    boolean force;

    @Override
    int run(CtlContext ctx) throws Exception {
      String name = ctx.cluster(args.stream().findFirst());
      ClusterView view = ctx.read(name);
      List<String> wanted = args.size() > 1 ? args.subList(1, args.size()) : List.of();
      if (wanted.isEmpty()) {
        if (force) {
          throw new IllegalArgumentException("name the members to reinitialize");
        }
        String answer = ctx.prompt("Which member do you want to reinitialize " + view.members().stream()
            .map(Member::name).sorted().toList(), Optional.empty());
        wanted = List.of(answer.split("[,\\s]+"));
      }
      List<Member> members = members(view, wanted, "any", name);
      if (!force && !ctx.confirm("Are you sure you want to reinitialize members " + names(members) + "?")) {
        ctx.out.println("Aborted reinitialize");
        return 1;
      }
      String body = "{\"force\": " + force + (fromLeader ? ", \"from_leader\": true" : "") + "}";
      List<Member> started = new ArrayList<>();
      int rc = 0;
      for (Member m : members) {
        CtlContext.Answer a = ctx.request(m, "POST", "reinitialize", Optional.of(body), SHORT_REQUEST);
        if (a.status() == 200) {
          ctx.out.println("Success: reinitialize for member " + m.name());
          started.add(m);
        } else {
          ctx.out.println("Failed: reinitialize for member " + m.name() + ", status code=" + a.status() + ", ("
              + a.body() + ")");
          rc = 1;
        }
      }
      if (await && !started.isEmpty()) {
        ctx.out.println("Waiting for reinitialize to complete on: " + names(started));
        ctx.out.flush();
        for (Member m : started) {
          awaitReinit(ctx, m);
        }
        ctx.out.println("Reinitialize is completed on: " + names(started));
      }
      return rc;
    }

    private static void awaitReinit(CtlContext ctx, Member m) throws InterruptedException {
      while (true) {
        Thread.sleep(2000);
        try {
          CtlContext.Answer a = ctx.request(m, "GET", "patroni", Optional.empty(), SHORT_REQUEST);
          JsonNode doc = JSON.readTree(a.body());
          if (!"creating replica".equals(doc.path("state").asText())) {
            return;
          }
        } catch (IOException e) {
          // restarting or unreachable for a moment: ask again
        }
      }
    }
  }

  /** The named members (all, when none are named) whose role matches; an unknown name is an error. */
  static List<Member> members(ClusterView view, List<String> names, String role, String cluster) {
    Optional<String> leader = view.leader().map(LeaderLock::holder);
    List<Member> chosen = new ArrayList<>();
    List<Member> all = view.members().stream().filter(m -> m.version() != -1).sorted(Comparator.comparing(Member::name)).toList();
    if (names.isEmpty()) {
      chosen.addAll(all);
    } else {
      for (String n : names) {
        if (n.isBlank()) {
          continue;
        }
        chosen.add(all.stream().filter(m -> m.name().equals(n)).findFirst().orElseThrow(() ->
            new IllegalArgumentException(n + " is not a member of cluster " + cluster)));
      }
    }
    String r = role.toLowerCase(java.util.Locale.ROOT);
    List<Member> out = chosen.stream().filter(m -> {
      boolean isLeader = leader.map(m.name()::equals).orElse(false);
      return switch (r) {
        case "leader", "primary", "master", "standby-leader", "standby_leader" -> isLeader;
        case "replica" -> !isLeader;
        default -> true;
      };
    }).toList();
    if (out.isEmpty()) {
      throw new IllegalArgumentException("No " + (r.equals("any") ? "" : r + " ") + "members found in cluster " + cluster);
    }
    return out;
  }

  private static String names(List<Member> members) {
    return String.join(", ", members.stream().map(Member::name).toList());
  }

  // ================================================================= remove

  /**
   * {@code remove <cluster> [--force]}: deletes every key of the cluster after three typed confirmations
   * (the cluster name, a sentence, and the leader's name while the cluster is healthy); {@code --force}
   * skips them, for scripts.
   */
  @Command(name = "remove", mixinStandardHelpOptions = true, description = "Delete every DCS key of a cluster.")
  static final class Remove extends CtlCommand.Sub {
    static final String AWARE = "Yes I am aware";

    @Parameters(arity = "1", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--force", description = "do not ask (for scripts)")
    boolean force;

    @Override
    int run(CtlContext ctx) throws Exception {
      ClusterView view = ctx.read(cluster);
      if (!force) {
        ctx.out.println(ClusterTable.of(view, cluster, false, false).render(ClusterTable.Format.PRETTY));
        if (!cluster.equals(ctx.prompt("Please confirm the cluster name to remove", Optional.empty()))) {
          throw new IllegalArgumentException("Cluster names specified do not match");
        }
        String aware = ctx.prompt("You are about to remove all information in DCS for " + cluster
            + ", please type: \"" + AWARE + "\"", Optional.empty());
        if (!AWARE.equals(aware)) {
          throw new IllegalArgumentException("You did not exactly type \"" + AWARE + "\"");
        }
        Optional<Member> leader = view.leaderMember();
        if (leader.isPresent() && leader.get().status().state() == dev.primus.dcs.model.MemberState.RUNNING) {
          String typed = ctx.prompt("This cluster currently is healthy. Please specify the leader name to continue",
              Optional.empty());
          if (!leader.get().name().equals(typed)) {
            throw new IllegalArgumentException("You did not specify the current leader of the cluster");
          }
        }
      }
      long n = ctx.dcs(cluster).removeCluster();
      ctx.out.println("Removed " + n + " keys of cluster " + cluster);
      return 0;
    }
  }
}
