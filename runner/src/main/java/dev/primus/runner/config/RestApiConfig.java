package dev.primus.runner.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code restapi} section.
 *
 * @param listen                  where the server binds ({@code listen}, required)
 * @param connectAddress          what peers and load balancers connect to; published in the member
 *                                key's {@code api_url} ({@code connect_address}, required)
 * @param authentication          Basic credentials required on unsafe methods ({@code authentication})
 * @param certfile                PEM certificate chain; with {@code keyfile} it turns on HTTPS
 * @param keyfile                 PEM private key; defaults to the certfile (a combined PEM)
 * @param keyfilePassword         passphrase of an encrypted keyfile ({@code keyfile_password})
 * @param cafile                  PEM CA bundle that client certificates are checked against
 * @param verifyClient            client certificate policy ({@code verify_client}, default none)
 * @param allowlist               hosts, addresses or CIDR networks allowed to call unsafe endpoints
 * @param allowlistIncludeMembers also allow the hosts of every member's {@code api_url}
 * @param httpExtraHeaders        headers added to every response ({@code http_extra_headers})
 * @param httpsExtraHeaders       headers added to every response over TLS ({@code https_extra_headers})
 * @param requestQueueSize        the listen backlog ({@code request_queue_size}, default 5)
 */
public record RestApiConfig(
    HostPort listen,
    HostPort connectAddress,
    Optional<BasicAuth> authentication,
    Optional<Path> certfile,
    Optional<Path> keyfile,
    Optional<Secret> keyfilePassword,
    Optional<Path> cafile,
    VerifyClient verifyClient,
    List<String> allowlist,
    boolean allowlistIncludeMembers,
    Map<String, String> httpExtraHeaders,
    Map<String, String> httpsExtraHeaders,
    int requestQueueSize) {

  public static final int DEFAULT_REQUEST_QUEUE_SIZE = 5;

  public RestApiConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(connectAddress, "connectAddress");
    Objects.requireNonNull(authentication, "authentication");
    Objects.requireNonNull(certfile, "certfile");
    Objects.requireNonNull(keyfile, "keyfile");
    Objects.requireNonNull(keyfilePassword, "keyfilePassword");
    Objects.requireNonNull(cafile, "cafile");
    Objects.requireNonNull(verifyClient, "verifyClient");
    allowlist = List.copyOf(allowlist);
    httpExtraHeaders = Map.copyOf(httpExtraHeaders);
    httpsExtraHeaders = Map.copyOf(httpsExtraHeaders);
  }

  /** A minimal section: plain HTTP, no authentication, everything else at its default. */
  public static RestApiConfig plain(HostPort listen, HostPort connectAddress) {
    return new RestApiConfig(listen, connectAddress, Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), VerifyClient.NONE, List.of(), false, Map.of(), Map.of(),
        DEFAULT_REQUEST_QUEUE_SIZE);
  }

  /** Whether the server speaks HTTPS (a certfile is set). */
  public boolean tls() {
    return certfile.isPresent();
  }

  /** {@code http(s)://<connect_address>/patroni}, the {@code api_url} peers use. */
  public String apiUrl() {
    return (tls() ? "https" : "http") + "://" + connectAddress + "/patroni";
  }

  /** {@code restapi.verify_client}. */
  public enum VerifyClient {
    /** No client certificate is asked for. */
    NONE,
    /** A client certificate is asked for, and required on unsafe methods. */
    OPTIONAL,
    /** A client certificate is required for every request. */
    REQUIRED
  }
}
