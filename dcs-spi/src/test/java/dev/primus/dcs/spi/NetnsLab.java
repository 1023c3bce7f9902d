package dev.primus.dcs.spi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Hosts for network-fault tests: {@code n} Linux network namespaces the lab creates itself
 * ({@code primus-<tag>-<i>}), each with a veth pair whose other end sits on a bridge the lab creates in
 * the root namespace, and addresses in one private {@code 10.213.X.0/24} that no interface of this
 * machine uses yet. The bridge holds {@code 10.213.X.1}, so the test JVM (in the root namespace)
 * reaches every host; host {@code i} is {@code 10.213.X.(11+i)}.
 *
 * <p>Faults are {@code iptables} rules inside one host's namespace: {@link #blackHole} drops every
 * packet into and out of it (the host stays up, its TCP connections stay "established" on the other
 * side, as when a cable or a switch port dies); {@link #heal} deletes exactly those rules. Nothing
 * outside the namespaces the lab created is ever given to iptables.
 *
 * <p>{@link #close} kills the processes it started (by PID), deletes the namespaces (their veth ends go
 * with them) and the bridge; a JVM shutdown hook does the same if a test run dies first.
 *
 * <p>It needs root and a kernel that lets it create namespaces: {@link #unavailable()} gives the reason
 * when not, for the test to skip visibly.
 */
public final class NetnsLab implements AutoCloseable {
  private static final Set<NetnsLab> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(NetnsLab::close), "netns-lab-cleanup"));
  }

  private final String tag;
  private final int subnet;
  private final String bridge;
  private final List<String> namespaces = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final boolean[] blackHoled;

  private NetnsLab(String tag, int subnet, int hosts) {
    this.tag = tag;
    this.subnet = subnet;
    this.bridge = "prb" + tag;
    this.blackHoled = new boolean[hosts];
  }

  /** Why a lab cannot be built here (not root, no {@code ip netns}), or empty when it can. */
  public static Optional<String> unavailable() {
    try {
      Result id = run(List.of("id", "-u"));
      if (!id.out().strip().equals("0")) {
        return Optional.of("network-namespace tests need root (uid 0), running as uid " + id.out().strip());
      }
      String probe = "primus-probe-" + randomTag();
      Result add = run(List.of("ip", "netns", "add", probe));
      if (add.code() != 0) {
        return Optional.of("'ip netns add' is not permitted here: " + add.out().strip());
      }
      run(List.of("ip", "netns", "del", probe));
      Result ipt = run(List.of("iptables", "--version"));
      if (ipt.code() != 0) {
        throw new IllegalStateException("iptables is needed to black-hole a member and is missing:"
            + " apt-get update && apt-get install -y iptables (.ci/setup installs it)");
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("cannot run 'id' or 'ip' (" + e.getMessage() + "); iproute2 is needed");
    }
  }

  /** Builds {@code hosts} namespaces on a fresh bridge. */
  public static NetnsLab create(int hosts) throws IOException {
    String tag = randomTag();
    int subnet = freeSubnet();
    NetnsLab lab = new NetnsLab(tag, subnet, hosts);
    LIVE.add(lab);
    try {
      lab.must(List.of("ip", "link", "add", lab.bridge, "type", "bridge"));
      lab.must(List.of("ip", "addr", "add", "10.213." + subnet + ".1/24", "dev", lab.bridge));
      lab.must(List.of("ip", "link", "set", lab.bridge, "up"));
      for (int i = 0; i < hosts; i++) {
        String ns = "primus-" + tag + "-" + i;
        lab.must(List.of("ip", "netns", "add", ns));
        lab.namespaces.add(ns);
        String veth = "prv" + tag + i;
        lab.must(List.of("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns));
        lab.must(List.of("ip", "link", "set", veth, "master", lab.bridge, "up"));
        lab.must(List.of("ip", "netns", "exec", ns, "ip", "addr", "add", lab.address(i) + "/24", "dev", "eth0"));
        lab.must(List.of("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up"));
        lab.must(List.of("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"));
      }
      return lab;
    } catch (IOException | RuntimeException e) {
      lab.close();
      throw e;
    }
  }

  public int hosts() {
    return blackHoled.length;
  }

  /** The address of host {@code i}. */
  public String address(int i) {
    return "10.213." + subnet + "." + (11 + i);
  }

  public String namespace(int i) {
    return namespaces.get(i);
  }

  /**
   * Starts {@code command} inside host {@code i}'s namespace ({@code ip netns exec} execs it, so the
   * process's PID is the command's), output appended to {@code log}. Killed by {@link #close}.
   */
  public synchronized Process start(int i, List<String> command, Path log) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(i)));
    cmd.addAll(command);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    processes.add(p);
    return p;
  }

  /** Drops every packet into and out of host {@code i}, inside its namespace only. */
  public synchronized void blackHole(int i) throws IOException {
    if (blackHoled[i]) {
      return;
    }
    must(List.of("ip", "netns", "exec", namespace(i), "iptables", "-A", "INPUT", "-j", "DROP"));
    must(List.of("ip", "netns", "exec", namespace(i), "iptables", "-A", "OUTPUT", "-j", "DROP"));
    blackHoled[i] = true;
  }

  /** Deletes the rules {@link #blackHole} added. */
  public synchronized void heal(int i) throws IOException {
    if (!blackHoled[i]) {
      return;
    }
    must(List.of("ip", "netns", "exec", namespace(i), "iptables", "-D", "INPUT", "-j", "DROP"));
    must(List.of("ip", "netns", "exec", namespace(i), "iptables", "-D", "OUTPUT", "-j", "DROP"));
    blackHoled[i] = false;
  }

  /** Kills the processes, deletes the namespaces and the bridge. Safe to call twice. */
  @Override
  public synchronized void close() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
    for (String ns : namespaces) {
      quietly(List.of("ip", "netns", "del", ns));
    }
    namespaces.clear();
    quietly(List.of("ip", "link", "del", bridge));
    LIVE.remove(this);
  }

  @Override
  public String toString() {
    return "NetnsLab[" + bridge + ", 10.213." + subnet + ".0/24, " + namespaces + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private record Result(int code, String out) {}

  private void must(List<String> cmd) throws IOException {
    Result r = run(cmd);
    if (r.code() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed (" + r.code() + "): " + r.out().strip());
    }
  }

  private static void quietly(List<String> cmd) {
    try {
      run(cmd);
    } catch (IOException e) {
      // Cleanup is best effort; the next step still runs.
    }
  }

  private static Result run(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not finish in 30 s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted while running " + String.join(" ", cmd), e);
    }
  }

  private static String randomTag() {
    return Integer.toHexString(0x100000 + ThreadLocalRandom.current().nextInt(0xefffff));
  }

  /** A {@code 10.213.X.0/24} that no address or route of the root namespace mentions. */
  private static int freeSubnet() throws IOException {
    String used = run(List.of("ip", "-4", "addr", "show")).out() + run(List.of("ip", "-4", "route", "show")).out();
    for (int tries = 0; tries < 100; tries++) {
      int x = 100 + ThreadLocalRandom.current().nextInt(150);
      if (!used.contains("10.213." + x + ".")) {
        return x;
      }
    }
    throw new IOException("no free 10.213.X.0/24 found for the lab's bridge");
  }
}
