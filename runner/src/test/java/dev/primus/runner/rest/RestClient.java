package dev.primus.runner.rest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;

/** Real HTTP requests against a running {@link RestApiServer}. */
final class RestClient {
  private final HttpClient http;
  private final String base;
  private final InetSocketAddress address;

  RestClient(RestApiServer server) {
    this(server, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build(),
        "http");
  }

  RestClient(RestApiServer server, SSLContext tls) {
    this(server, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
        .connectTimeout(Duration.ofSeconds(5)).build(), "https");
  }

  private RestClient(RestApiServer server, HttpClient http, String scheme) {
    this.http = http;
    this.address = server.address();
    this.base = scheme + "://127.0.0.1:" + server.address().getPort();
  }

  HttpResponse<String> get(String path) {
    return send("GET", path, null, Map.of());
  }

  HttpResponse<String> send(String method, String path, String body) {
    return send(method, path, body, Map.of());
  }

  HttpResponse<String> send(String method, String path, String body, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(method + " " + path + " failed", e);
    }
  }

  /** A hand-written HTTP/1.1 request, for what HttpClient will not send (a POST without Content-Length). */
  String raw(String request) throws IOException {
    try (Socket s = new Socket(address.getAddress(), address.getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder sb = new StringBuilder();
      byte[] buf = new byte[4096];
      int n;
      while ((n = in.read(buf)) > 0) {
        sb.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
        if (sb.indexOf("\r\n\r\n") >= 0) {
          break;
        }
      }
      return sb.toString();
    }
  }
}
