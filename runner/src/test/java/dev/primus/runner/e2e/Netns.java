package dev.primus.runner.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Hosts on one machine, for network faults: each host a network namespace of its own
 * ({@code primus-<pid>-h1}, ...), linked to a bridge in the root namespace by a veth pair, with an
 * address in a private /24 ({@code 10.213.<n>.0/24}, {@code <n>} picked so that no interface of this
 * machine has an address in it yet). The bridge has {@code .1}, host {@code i} has {@code .1<i>}; the
 * root namespace (the tests, a client) reaches every host through the bridge.
 *
 * <p>Faults are {@code iptables} rules inside a host's namespace, and only there: nothing outside the
 * namespaces and links this class created is ever touched. The rules match the host's link to the bridge
 * (its {@code eth0}), not its loopback: a cut cable, after which the host's own processes still reach each
 * other, as on a real machine.
 *
 * <p>{@link #close()} deletes the namespaces, the veth pairs and the bridge, by the names it made; the
 * processes started inside must have been stopped first (see {@link #pids}).
 */
final class Netns implements AutoCloseable {
  /** The veth end inside each host, renamed so every host calls its link the same. */
  static final String LINK = "eth0";

  /** One host: its namespace, its address and the root namespace's end of its veth pair. */
  record Host(String name, String namespace, String address, String rootLink) {
    /** {@code ip netns exec <namespace>}: a command run under it lives in this host's network. */
    List<String> exec() {
      return List.of("ip", "netns", "exec", namespace);
    }
  }

  private final String bridge;
  private final String subnet;
  private final List<Host> hosts;
  private final List<String> made = new ArrayList<>();
  private volatile boolean closed;

  private Netns(String bridge, String subnet, List<Host> hosts) {
    this.bridge = bridge;
    this.subnet = subnet;
    this.hosts = List.copyOf(hosts);
  }

  /**
   * Why hosts cannot be made here, if they cannot: not root, no {@code ip} or {@code iptables}, or the
   * kernel (a container) refusing a namespace. Tries one namespace and deletes it again.
   */
  static Optional<String> unavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return Optional.of("network namespaces need root; running as " + System.getProperty("user.name"));
    }
    for (String tool : List.of("/usr/sbin/ip", "/usr/sbin/iptables")) {
      if (!Files.isExecutable(Path.of(tool)) && !Files.isExecutable(Path.of(tool.replace("/usr/sbin", "/sbin")))) {
        return Optional.of(tool + " is missing (apt-get install -y iproute2 iptables; see .ci/setup)");
      }
    }
    String probe = "primus-" + ProcessHandle.current().pid() + "-probe";
    try {
      run(List.of("ip", "netns", "add", probe));
      try {
        run(List.of("ip", "netns", "exec", probe, "iptables", "-S"));
      } finally {
        quietly(List.of("ip", "netns", "del", probe));
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("network namespaces are not permitted here: " + e.getMessage());
    }
  }

  /** Makes {@code count} hosts (at most 9) named {@code primus-<pid>-h<i>}. */
  static Netns create(int count) throws IOException {
    if (count < 1 || count > 9) {
      throw new IllegalArgumentException("1 to 9 hosts, not " + count);
    }
    long pid = ProcessHandle.current().pid();
    String tag = "pr" + pid;
    String used = output(List.of("ip", "-o", "-4", "addr", "show")) + output(List.of("ip", "-4", "route", "show"));
    int n = -1;
    for (int k = 0; k < 250; k++) {
      int candidate = 1 + (int) ((pid + k) % 250);
      if (!used.contains("10.213." + candidate + ".")) {
        n = candidate;
        break;
      }
    }
    if (n < 0) {
      throw new IOException("every 10.213.<n>.0/24 is in use on this machine");
    }
    String subnet = "10.213." + n;
    List<Host> hosts = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      hosts.add(new Host("h" + i, "primus-" + pid + "-h" + i, subnet + ".1" + i, tag + "h" + i));
    }
    Netns net = new Netns(tag + "br", subnet, hosts);
    try {
      net.build();
    } catch (IOException | RuntimeException e) {
      net.close();
      throw e;
    }
    return net;
  }

  private void build() throws IOException {
    made.add("link:" + bridge);
    run(List.of("ip", "link", "add", bridge, "type", "bridge"));
    run(List.of("ip", "addr", "add", subnet + ".1/24", "dev", bridge));
    run(List.of("ip", "link", "set", bridge, "up"));
    for (Host h : hosts) {
      made.add("netns:" + h.namespace());
      run(List.of("ip", "netns", "add", h.namespace()));
      made.add("link:" + h.rootLink());
      String peer = h.rootLink() + "p";
      run(List.of("ip", "link", "add", h.rootLink(), "type", "veth", "peer", "name", peer));
      run(List.of("ip", "link", "set", peer, "netns", h.namespace()));
      run(List.of("ip", "link", "set", h.rootLink(), "master", bridge));
      run(List.of("ip", "link", "set", h.rootLink(), "up"));
      exec(h, "ip", "link", "set", peer, "name", LINK);
      exec(h, "ip", "addr", "add", h.address() + "/24", "dev", LINK);
      exec(h, "ip", "link", "set", LINK, "up");
      exec(h, "ip", "link", "set", "lo", "up");
    }
  }

  List<Host> hosts() {
    return hosts;
  }

  Host host(String name) {
    return hosts.stream().filter(h -> h.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no host " + name));
  }

  /** The /24 as {@code 10.213.<n>.0/24}. */
  String cidr() {
    return subnet + ".0/24";
  }

  /** The bridge's name in the root namespace. */
  String bridge() {
    return bridge;
  }

  /** Runs {@code command} inside the host's namespace; fails on a non-zero exit. */
  String exec(Host h, String... command) throws IOException {
    List<String> cmd = new ArrayList<>(h.exec());
    cmd.addAll(List.of(command));
    return run(cmd);
  }

  // ================================================================= faults

  /** Every packet through the host's link dropped, both ways: the host is cut off from all others. */
  void isolate(Host h) throws IOException {
    iptables(h, "-A", "INPUT", "-i", LINK, "-j", "DROP");
    iptables(h, "-A", "OUTPUT", "-o", LINK, "-j", "DROP");
  }

  /**
   * The host cut off from the DCS only: every packet to or from the given TCP ports on its link dropped
   * (its own etcd member is cut off from its peers too, and so is without quorum); PostgreSQL and the
   * REST API stay reachable.
   */
  void isolateFromPorts(Host h, int... ports) throws IOException {
    for (int p : ports) {
      String port = String.valueOf(p);
      iptables(h, "-A", "INPUT", "-i", LINK, "-p", "tcp", "--dport", port, "-j", "DROP");
      iptables(h, "-A", "INPUT", "-i", LINK, "-p", "tcp", "--sport", port, "-j", "DROP");
      iptables(h, "-A", "OUTPUT", "-o", LINK, "-p", "tcp", "--dport", port, "-j", "DROP");
      iptables(h, "-A", "OUTPUT", "-o", LINK, "-p", "tcp", "--sport", port, "-j", "DROP");
    }
  }

  /**
   * A server on the host black-holed, for everyone (the host's own processes too): packets to its
   * listening {@code ports} on the host's address and its answers dropped, and its own outgoing
   * connections to {@code peerPorts} elsewhere. Everything else on the host (a client of the same service
   * talking to other servers) passes.
   */
  void blackHole(Host h, List<Integer> ports, List<Integer> peerPorts) throws IOException {
    for (int p : ports) {
      String port = String.valueOf(p);
      iptables(h, "-A", "INPUT", "-d", h.address(), "-p", "tcp", "--dport", port, "-j", "DROP");
      iptables(h, "-A", "OUTPUT", "-s", h.address(), "-p", "tcp", "--sport", port, "-j", "DROP");
    }
    for (int p : peerPorts) {
      String port = String.valueOf(p);
      // A peer connection the server opens itself: from the host's address to another host's port.
      iptables(h, "-A", "OUTPUT", "-s", h.address(), "!", "-d", h.address(), "-p", "tcp", "--dport", port, "-j",
          "DROP");
      iptables(h, "-A", "INPUT", "-d", h.address(), "!", "-s", h.address(), "-p", "tcp", "--sport", port, "-j",
          "DROP");
    }
  }

  /** Every rule of this class on the host removed: the cable is back. */
  void heal(Host h) throws IOException {
    iptables(h, "-F", "INPUT");
    iptables(h, "-F", "OUTPUT");
  }

  /** Every host healed; failures ignored (for cleanup). */
  void healAll() {
    for (Host h : hosts) {
      quietly(cmd(h, "iptables", "-F", "INPUT"));
      quietly(cmd(h, "iptables", "-F", "OUTPUT"));
    }
  }

  private void iptables(Host h, String... args) throws IOException {
    List<String> c = new ArrayList<>(List.of("iptables", "-w", "5"));
    c.addAll(List.of(args));
    exec(h, c.toArray(String[]::new));
  }

  private static List<String> cmd(Host h, String... command) {
    List<String> cmd = new ArrayList<>(h.exec());
    cmd.addAll(List.of(command));
    return cmd;
  }

  // ================================================================= cleanup

  /** The pids of every process in the host's namespace ({@code ip netns pids}). */
  List<Long> pids(Host h) {
    try {
      return output(List.of("ip", "netns", "pids", h.namespace())).lines().map(String::strip)
          .filter(l -> !l.isEmpty()).map(Long::parseLong).toList();
    } catch (IOException | NumberFormatException e) {
      return List.of();
    }
  }

  /**
   * Kills, by pid, every process still inside one of these namespaces (all of them were started into
   * them by the tests), then deletes the namespaces, the veth pairs and the bridge. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Host h : hosts) {
      for (long pid : pids(h)) {
        ProcessHandle.of(pid).ifPresent(p -> {
          quietly(List.of("kill", "-CONT", String.valueOf(pid)));
          p.destroyForcibly();
        });
      }
    }
    for (Host h : hosts) {
      for (long pid : pids(h)) {
        ProcessHandle.of(pid).ifPresent(p -> {
          try {
            p.onExit().get(5, TimeUnit.SECONDS);
          } catch (Exception e) {
            // Sent SIGKILL; nothing more to do.
          }
        });
      }
    }
    List<String> undo = new ArrayList<>(made);
    java.util.Collections.reverse(undo);
    for (String m : undo) {
      if (m.startsWith("netns:")) {
        quietly(List.of("ip", "netns", "del", m.substring(6)));
      }
    }
    for (String m : undo) {
      if (m.startsWith("link:")) {
        // A veth whose peer went with its namespace is gone already.
        if (!quietly(List.of("ip", "link", "show", m.substring(5))).isEmpty()) {
          quietly(List.of("ip", "link", "del", m.substring(5)));
        }
      }
    }
  }

  // ================================================================= commands

  static String run(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not finish in 30 s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", cmd), e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out.strip());
    }
    return out;
  }

  private static String output(List<String> cmd) throws IOException {
    return run(cmd);
  }

  /** Runs {@code cmd}, ignoring a failure; its output, or empty. */
  static String quietly(List<String> cmd) {
    try {
      return run(cmd);
    } catch (IOException e) {
      return "";
    }
  }
}
