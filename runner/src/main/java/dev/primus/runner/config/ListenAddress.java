package dev.primus.runner.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code postgresql.listen}: one or more comma-separated hosts sharing one port, as in
 * {@code 127.0.0.1,10.0.0.5:5432} or {@code *:5432}. The first host is the one local connections use.
 *
 * @param hosts at least one host ({@code *} allowed)
 * @param port  1 to 65535
 */
public record ListenAddress(List<String> hosts, int port) {
  public ListenAddress {
    hosts = List.copyOf(hosts);
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("at least one host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be between 1 and 65535, got " + port);
    }
  }

  /** Parses {@code h1,h2:port}; empty when the text is not of that form. */
  public static Optional<ListenAddress> parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      return Optional.empty();
    }
    Optional<HostPort> last = HostPort.parse(text.substring(text.lastIndexOf(',') + 1));
    if (last.isEmpty()) {
      return Optional.empty();
    }
    List<String> hosts = new ArrayList<>();
    String head = text.substring(0, Math.max(0, text.lastIndexOf(',')));
    if (!head.isBlank()) {
      for (String h : head.split(",")) {
        String t = h.trim();
        if (t.isEmpty()) {
          return Optional.empty();
        }
        hosts.add(t);
      }
    }
    hosts.add(last.get().host().isEmpty() ? "*" : last.get().host());
    return Optional.of(new ListenAddress(hosts, last.get().port()));
  }

  @Override
  public String toString() {
    return String.join(",", hosts) + ":" + port;
  }
}
