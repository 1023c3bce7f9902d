package dev.primus.runner.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code postgresql} section: this member's database.
 *
 * @param listen                                  addresses and port PostgreSQL listens on (required)
 * @param connectAddress                          what other members and clients connect to; published
 *                                                as the member key's {@code conn_url} (required)
 * @param proxyAddress                            a pooler next to PostgreSQL, published as {@code proxy_url}
 * @param dataDir                                 the data directory (required)
 * @param binDir                                  where pg_ctl, initdb, ... live; empty means PATH
 * @param binName                                 renamed binaries, e.g. {@code pg_ctl: pg_ctl15}
 * @param configDir                               where the configuration files go (default: the data directory)
 * @param pgpass                                  the password file written for replication and rewind
 *                                                (default {@code ~/pgpass}, from the environment's HOME)
 * @param database                                the database the agent connects to (default {@code postgres})
 * @param authentication                          superuser, replication and rewind users
 * @param parameters                              server parameters (GUCs) set locally
 * @param pgHba                                   lines of pg_hba.conf
 * @param pgIdent                                 lines of pg_ident.conf
 * @param createReplicaMethods                    how a replica is built, in order (default [basebackup])
 * @param replicaMethods                          the section of each custom replica method, by name
 * @param basebackup                              extra pg_basebackup options
 * @param callbacks                               scripts run on events ({@code callbacks}, {@code pre_promote},
 *                                                {@code callback_timeout})
 * @param useUnixSocket                           connect locally over the Unix socket
 * @param useUnixSocketRepl                       replicate over the Unix socket
 * @param removeDataDirectoryOnRewindFailure      rebuild the replica when pg_rewind fails
 * @param removeDataDirectoryOnDivergedTimelines  rebuild the replica when timelines diverged and rewind is off
 * @param pgCtlTimeout                            how long pg_ctl may take ({@code pg_ctl_timeout}, default 60 s)
 * @param usePgRewind                             local override of the dynamic {@code use_pg_rewind}
 * @param useSlots                                local override of the dynamic {@code use_slots}
 * @param osUser                                  Primus extension: the unprivileged OS user PostgreSQL
 *                                                runs as when the agent runs as root
 */
public record PostgresqlConfig(
    ListenAddress listen,
    HostPort connectAddress,
    Optional<HostPort> proxyAddress,
    Path dataDir,
    Optional<Path> binDir,
    Map<String, String> binName,
    Path configDir,
    Path pgpass,
    String database,
    Authentication authentication,
    Map<String, Object> parameters,
    List<String> pgHba,
    List<String> pgIdent,
    List<String> createReplicaMethods,
    Map<String, Map<String, Object>> replicaMethods,
    List<NamedOption> basebackup,
    dev.primus.agent.CallbackScripts callbacks,
    boolean useUnixSocket,
    boolean useUnixSocketRepl,
    boolean removeDataDirectoryOnRewindFailure,
    boolean removeDataDirectoryOnDivergedTimelines,
    Duration pgCtlTimeout,
    Optional<Boolean> usePgRewind,
    Optional<Boolean> useSlots,
    Optional<String> osUser) {

  public static final String BASEBACKUP = "basebackup";
  public static final Duration DEFAULT_PG_CTL_TIMEOUT = Duration.ofSeconds(60);

  public PostgresqlConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(connectAddress, "connectAddress");
    Objects.requireNonNull(proxyAddress, "proxyAddress");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(binDir, "binDir");
    binName = Map.copyOf(binName);
    Objects.requireNonNull(configDir, "configDir");
    Objects.requireNonNull(pgpass, "pgpass");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(authentication, "authentication");
    parameters = ConfigTree.immutableCopy(parameters);
    pgHba = List.copyOf(pgHba);
    pgIdent = List.copyOf(pgIdent);
    createReplicaMethods = List.copyOf(createReplicaMethods);
    replicaMethods = Map.copyOf(replicaMethods.entrySet().stream()
        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> ConfigTree.immutableCopy(e.getValue()))));
    basebackup = List.copyOf(basebackup);
    Objects.requireNonNull(callbacks, "callbacks");
    Objects.requireNonNull(pgCtlTimeout, "pgCtlTimeout");
    Objects.requireNonNull(usePgRewind, "usePgRewind");
    Objects.requireNonNull(useSlots, "useSlots");
    Objects.requireNonNull(osUser, "osUser");
  }

  /** {@code postgres://<connect_address>/postgres}, the {@code conn_url} peers use. */
  public String connUrl() {
    return "postgres://" + connectAddress + "/postgres";
  }

  @Override
  public String toString() {
    return "PostgresqlConfig[listen=" + listen + ", connectAddress=" + connectAddress + ", proxyAddress=" + proxyAddress
        + ", dataDir=" + dataDir + ", binDir=" + binDir + ", binName=" + binName + ", configDir=" + configDir
        + ", pgpass=" + pgpass + ", database=" + database + ", authentication=" + authentication
        + ", parameters=" + Masking.mask(parameters) + ", pgHba=" + pgHba + ", pgIdent=" + pgIdent
        + ", createReplicaMethods=" + createReplicaMethods + ", replicaMethods=" + Masking.mask(replicaMethods)
        + ", basebackup=" + basebackup + ", callbacks=" + callbacks + ", useUnixSocket=" + useUnixSocket
        + ", useUnixSocketRepl=" + useUnixSocketRepl
        + ", removeDataDirectoryOnRewindFailure=" + removeDataDirectoryOnRewindFailure
        + ", removeDataDirectoryOnDivergedTimelines=" + removeDataDirectoryOnDivergedTimelines
        + ", pgCtlTimeout=" + pgCtlTimeout + ", usePgRewind=" + usePgRewind + ", useSlots=" + useSlots
        + ", osUser=" + osUser + "]";
  }

  /**
   * {@code postgresql.authentication}.
   *
   * @param superuser   the user the agent connects as (default user name {@code postgres})
   * @param replication the user replicas stream as (default user name {@code replicator})
   * @param rewind      the user pg_rewind connects as, if not the superuser
   */
  public record Authentication(Credentials superuser, Credentials replication, Optional<Credentials> rewind) {
    public Authentication {
      Objects.requireNonNull(superuser, "superuser");
      Objects.requireNonNull(replication, "replication");
      Objects.requireNonNull(rewind, "rewind");
    }
  }

  /**
   * One database user and its libpq connection options.
   *
   * @param username    the role name
   * @param password    its password, if password authentication is used
   * @param options     sslmode, sslkey, sslcert, sslrootcert, sslcrl, sslcrldir, gssencmode,
   *                    channel_binding, sslnegotiation, as given
   * @param sslPassword the passphrase of {@code sslkey}
   */
  public record Credentials(
      String username, Optional<Secret> password, Map<String, String> options, Optional<Secret> sslPassword) {
    public Credentials {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
      options = Map.copyOf(options);
      Objects.requireNonNull(sslPassword, "sslPassword");
    }

    public static Credentials of(String username) {
      return new Credentials(username, Optional.empty(), Map.of(), Optional.empty());
    }
  }


}
