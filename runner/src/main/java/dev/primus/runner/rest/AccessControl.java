package dev.primus.runner.rest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.Member;
import dev.primus.runner.config.BasicAuth;
import dev.primus.runner.config.RestApiConfig;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call the unsafe endpoints (POST, PUT, PATCH, DELETE), checked in Patroni's order: the
 * allowlist (403), a client certificate when {@code verify_client} asks for one (403), then Basic
 * authentication (401).
 */
final class AccessControl {
  private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);

  /** The verdict on one request. */
  enum Verdict { ALLOWED, FORBIDDEN, UNAUTHORIZED }

  private final List<Network> allowlist;
  private final boolean includeMembers;
  private final RestApiConfig.VerifyClient verifyClient;
  private final Optional<BasicAuth> auth;

  AccessControl(RestApiConfig config) {
    this.allowlist = resolve(config.allowlist());
    this.includeMembers = config.allowlistIncludeMembers();
    this.verifyClient = config.verifyClient();
    this.auth = config.authentication();
  }

  Verdict check(HttpExchange ex, ClusterView cluster) {
    InetAddress client = ex.getRemoteAddress().getAddress();
    if ((!allowlist.isEmpty() || includeMembers) && !allowed(client, cluster)) {
      return Verdict.FORBIDDEN;
    }
    if (verifyClient != RestApiConfig.VerifyClient.NONE && !hasClientCertificate(ex)) {
      return Verdict.FORBIDDEN;
    }
    if (auth.isPresent() && !authenticated(ex.getRequestHeaders().getFirst("Authorization"), auth.get())) {
      return Verdict.UNAUTHORIZED;
    }
    return Verdict.ALLOWED;
  }

  private boolean allowed(InetAddress client, ClusterView cluster) {
    for (Network n : allowlist) {
      if (n.contains(client)) {
        return true;
      }
    }
    if (includeMembers) {
      for (Member m : cluster.members()) {
        String apiUrl = m.status().apiUrl();
        if (apiUrl.isEmpty()) {
          continue;
        }
        try {
          String host = URI.create(apiUrl).getHost();
          if (host == null) {
            continue;
          }
          for (InetAddress a : InetAddress.getAllByName(host.replace("[", "").replace("]", ""))) {
            if (Network.normalize(a).equals(Network.normalize(client))) {
              return true;
            }
          }
        } catch (IllegalArgumentException | UnknownHostException e) {
          LOG.debug("cannot resolve the api_url of member {}: {}", m.name(), e.toString());
        }
      }
    }
    return false;
  }

  private static boolean hasClientCertificate(HttpExchange ex) {
    if (!(ex instanceof HttpsExchange https)) {
      return false;
    }
    try {
      return https.getSSLSession().getPeerCertificates().length > 0;
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  static boolean authenticated(String header, BasicAuth auth) {
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    byte[] given;
    try {
      given = Base64.getDecoder().decode(header.substring(6).trim());
    } catch (IllegalArgumentException e) {
      return false;
    }
    byte[] expected = (auth.username() + ":" + auth.password().reveal()).getBytes(StandardCharsets.UTF_8);
    // constant time, so the comparison does not leak how much of the password matched
    return MessageDigest.isEqual(given, expected);
  }

  private static List<Network> resolve(List<String> entries) {
    List<Network> out = new ArrayList<>();
    for (String e : entries) {
      try {
        if (e.contains("/")) {
          out.add(Network.parse(e));
        } else {
          for (InetAddress a : InetAddress.getAllByName(e)) {
            out.add(new Network(Network.normalize(a).getAddress(), Network.normalize(a).getAddress().length * 8));
          }
        }
      } catch (UnknownHostException | IllegalArgumentException ex) {
        LOG.warn("restapi.allowlist: cannot resolve '{}'; the entry allows nobody: {}", e, ex.toString());
      }
    }
    return List.copyOf(out);
  }

  /** An address range: the first {@code prefix} bits of {@code address}. */
  record Network(byte[] address, int prefix) {
    static Network parse(String cidr) throws UnknownHostException {
      int slash = cidr.indexOf('/');
      InetAddress a = normalize(InetAddress.getByName(cidr.substring(0, slash)));
      int prefix = Integer.parseInt(cidr.substring(slash + 1));
      if (prefix < 0 || prefix > a.getAddress().length * 8) {
        throw new IllegalArgumentException("prefix out of range: " + cidr);
      }
      return new Network(a.getAddress(), prefix);
    }

    boolean contains(InetAddress candidate) {
      byte[] c = normalize(candidate).getAddress();
      if (c.length != address.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (c[i] != address[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xFF << (8 - rest) & 0xFF;
      return (c[full] & mask) == (address[full] & mask);
    }

    /** An IPv4-mapped IPv6 address as the IPv4 address it is. */
    static InetAddress normalize(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length == 16) {
        boolean mapped = true;
        for (int i = 0; i < 10; i++) {
          mapped &= b[i] == 0;
        }
        mapped &= b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
        if (mapped) {
          try {
            return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
          } catch (UnknownHostException e) {
            return a;
          }
        }
      }
      return a;
    }
  }
}
