package dev.primus.ha.driver;

import java.util.Objects;

/**
 * A member to stream from, clone from or rewind from.
 *
 * @param member  its name (the DCS member key)
 * @param connUrl its published {@code conn_url} ({@code postgres://host:port/postgres}); the driver
 *                adds its own replication or rewind credentials
 */
public record Upstream(String member, String connUrl) {
  public Upstream {
    Objects.requireNonNull(member, "member");
    Objects.requireNonNull(connUrl, "connUrl");
  }
}
