package dev.primus.dcs.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.primus.dcs.spi.DcsException.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kiwiproject.consul.ConsulException;

class ConsulErrorsTest {

  @ParameterizedTest(name = "{0} \"{1}\" -> {2}")
  @CsvSource(delimiter = '|', value = {
      "403 | ACL not found                                             | AUTHENTICATION",
      "401 | ''                                                        | AUTHENTICATION",
      "500 | rpc error making call: Permission denied                  | AUTHENTICATION",
      "400 | Missing key name                                          | INVALID_REQUEST",
      "404 | ''                                                        | INVALID_REQUEST",
      "413 | Request body too large                                    | INVALID_REQUEST",
      "500 | Invalid Session TTL '1000000000', must be between [10s=24h0m0s] | INVALID_REQUEST",
      "500 | invalid session \"abc\"                                   | LEASE_NOT_FOUND",
      "500 | Session id 'abc' not found                                | LEASE_NOT_FOUND",
      "500 | No cluster leader                                         | UNAVAILABLE",
      "500 | rpc error making call: No path to datacenter              | UNAVAILABLE",
      "429 | rate limit exceeded                                       | UNAVAILABLE",
      "503 | ''                                                        | UNAVAILABLE",
      "502 | ''                                                        | UNAVAILABLE",
      "500 | rpc error making call: EOF                                | TIMEOUT",
      "500 | rpc error making call: i/o timeout                        | TIMEOUT",
      "500 | something odd                                             | INTERNAL",
  })
  void httpAnswersAreClassifiedByStatusAndText(int status, String body, Kind expected) {
    assertEquals(expected, ConsulErrors.byStatus("op", status, body, null).kind());
  }

  @Test
  void ioFailuresSayWhetherTheRequestWentOut() {
    assertEquals(Kind.UNAVAILABLE, io(new ConnectException("Failed to connect to /127.0.0.1:8500")));
    assertEquals(Kind.UNAVAILABLE, io(new UnknownHostException("consul.invalid")));
    assertEquals(Kind.UNAVAILABLE, io(new SocketTimeoutException("Connect timed out")));
    assertEquals(Kind.TIMEOUT, io(new SocketTimeoutException("timeout")), "a read timeout: maybe applied");
    assertEquals(Kind.TIMEOUT, io(new IOException("unexpected end of stream")));
    SSLHandshakeException refusedCert = new SSLHandshakeException("PKIX path building failed");
    refusedCert.initCause(new CertificateException("unable to find valid certification path"));
    assertEquals(Kind.AUTHENTICATION, io(refusedCert));
    assertEquals(Kind.UNAVAILABLE, io(new SSLHandshakeException("Remote host terminated the handshake")));
  }

  @Test
  void theConsulBodyIsTakenFromConsulClientsMessage() {
    assertEquals("No cluster leader",
        ConsulErrors.body("Consul request to [http://h:8500/v1/kv/x] failed with status [500]: No cluster leader"));
    assertEquals("plain", ConsulErrors.body("plain"));
  }

  @Test
  void retryabilityFollowsTheKind() {
    assertEquals(true, ConsulErrors.byStatus("op", 500, "No cluster leader", null).retryable());
    assertEquals(false, ConsulErrors.byStatus("op", 403, "", null).retryable());
  }

  private static Kind io(IOException e) {
    return ConsulErrors.classify("op", new ConsulException("Consul request to [x] failed due to IOException", e)).kind();
  }
}
