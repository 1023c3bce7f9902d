package dev.primus.dcs.etcd;

import dev.primus.dcs.spi.BlackHoledMemberContract;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.NetnsLab;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link BlackHoledMemberContract} on a 3-member etcd cluster, one member per network namespace, with
 * etcd's default timing (100 ms heartbeat, 1 s election timeout) and the store's production settings.
 * The black-holed member is a follower, as in issue 11 (the member on a replica's host).
 */
class EtcdBlackHoleIT extends BlackHoledMemberContract {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private Path dataRoot;

  @AfterEach
  void deleteData() throws IOException {
    if (dataRoot != null) {
      try (var walk = Files.walk(dataRoot)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Override
  protected void startMembers(NetnsLab lab) throws Exception {
    Path binary = EtcdServers.binary(System.getenv(), Path.of("/usr/bin/etcd"));
    dataRoot = Files.createTempDirectory("primus-etcd-netns-");
    Path logs = Path.of("target", "etcd-logs");
    Files.createDirectories(logs);
    String cluster = IntStream.range(0, lab.hosts())
        .mapToObj(i -> "m" + i + "=http://" + lab.address(i) + ":2380").collect(Collectors.joining(","));
    for (int i = 0; i < lab.hosts(); i++) {
      String a = lab.address(i);
      lab.start(i, List.of(binary.toString(),
          "--name", "m" + i,
          "--data-dir", dataRoot.resolve("m" + i).toString(),
          "--listen-client-urls", "http://" + a + ":2379",
          "--advertise-client-urls", "http://" + a + ":2379",
          "--listen-peer-urls", "http://" + a + ":2380",
          "--initial-advertise-peer-urls", "http://" + a + ":2380",
          "--listen-metrics-urls", "http://" + a + ":2381",
          "--initial-cluster", cluster,
          "--initial-cluster-state", "new",
          "--initial-cluster-token", "primus-" + dataRoot.getFileName(),
          "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn"),
          logs.resolve("netns-m" + i + "-" + dataRoot.getFileName() + ".log"));
    }
    for (int i = 0; i < lab.hosts(); i++) {
      awaitHealthy(lab.address(i));
    }
  }

  @Override
  protected KeyValueStore newClient(NetnsLab lab, Duration ttl, Duration retryTimeout) throws Exception {
    List<URI> endpoints = new ArrayList<>();
    for (int i = 0; i < lab.hosts(); i++) {
      endpoints.add(URI.create("http://" + lab.address(i) + ":2379"));
    }
    return EtcdKeyValueStore.connect(EtcdConfig.of(endpoints), ttl, retryTimeout);
  }

  @Override
  protected KeyValueStore newClientOf(NetnsLab lab, int member, Duration ttl, Duration retryTimeout)
      throws Exception {
    return EtcdKeyValueStore.connect(EtcdConfig.of(List.of(URI.create("http://" + lab.address(member) + ":2379"))),
        ttl, retryTimeout);
  }

  @Override
  protected int memberToBlackHole(NetnsLab lab, KeyValueStore client) throws Exception {
    for (int i = lab.hosts() - 1; i >= 0; i--) {
      if (metrics(lab.address(i)).lines().anyMatch(l -> l.equals("etcd_server_is_leader 0"))) {
        return i;
      }
    }
    throw new IllegalStateException("no etcd member reports itself a follower");
  }

  private void awaitHealthy(String address) throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address + ":2381/health"))
            .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.ofString());
        last = r.body();
        if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("etcd at " + address + " not healthy within " + START_TIMEOUT + ": " + last);
  }

  String metrics(String address) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://" + address + ":2381/metrics"))
        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
