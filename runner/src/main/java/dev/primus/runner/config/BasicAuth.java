package dev.primus.runner.config;

import java.util.Objects;

/** HTTP Basic credentials ({@code restapi.authentication}, {@code ctl.authentication}). */
public record BasicAuth(String username, Secret password) {
  public BasicAuth {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
  }
}
