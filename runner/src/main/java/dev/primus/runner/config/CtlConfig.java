package dev.primus.runner.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code ctl} section: how {@code primus ctl} talks to the REST API.
 *
 * @param authentication  Basic credentials; the ctl falls back to {@code restapi.authentication}
 * @param insecure        do not verify the server's certificate
 * @param cacert          CA bundle for the server's certificate; falls back to {@code restapi.cafile}
 * @param certfile        client certificate (PEM)
 * @param keyfile         client key (PEM)
 * @param keyfilePassword passphrase of the client key
 */
public record CtlConfig(
    Optional<BasicAuth> authentication,
    boolean insecure,
    Optional<Path> cacert,
    Optional<Path> certfile,
    Optional<Path> keyfile,
    Optional<Secret> keyfilePassword) {

  public static final CtlConfig DEFAULT =
      new CtlConfig(Optional.empty(), false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

  public CtlConfig {
    Objects.requireNonNull(authentication, "authentication");
    Objects.requireNonNull(cacert, "cacert");
    Objects.requireNonNull(certfile, "certfile");
    Objects.requireNonNull(keyfile, "keyfile");
    Objects.requireNonNull(keyfilePassword, "keyfilePassword");
  }
}
