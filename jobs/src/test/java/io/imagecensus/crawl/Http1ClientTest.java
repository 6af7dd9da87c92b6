package io.imagecensus.crawl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crawl's HTTP/1.1 client: against a real registry over TLS (directly and through a CONNECT
 * proxy), and against a scripted server for the framing cases a registry does not show on demand
 * (chunked bodies, closing servers, HTTP/1.0).
 */
class Http1ClientTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir static Path directory;
  private static Process tlsRegistry;
  private static int tlsPort;
  private static SSLSocketFactory trustingTestCertificate;

  /** A docker-registry serving TLS with a certificate for the IP address 127.0.0.1 only. */
  @BeforeAll
  static void startTlsRegistry() throws Exception {
    Path key = directory.resolve("registry.key");
    Path certificate = directory.resolve("registry.crt");
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out",
        certificate.toString(), "-days", "2", "-subj", "/CN=image-census test registry", "-addext",
        "subjectAltName=IP:127.0.0.1");
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      tlsPort = probe.getLocalPort();
    }
    Path config = directory.resolve("config.yml");
    Files.writeString(config, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
        + directory.resolve("storage") + "\nhttp:\n  addr: 127.0.0.1:" + tlsPort + "\n  tls:\n    certificate: "
        + certificate + "\n    key: " + key + "\n");
    tlsRegistry = new ProcessBuilder("docker-registry", "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(directory.resolve("registry.log").toFile()).start();

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(certificate)) {
      trust.setCertificateEntry("registry", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory managers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    managers.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, managers.getTrustManagers(), null);
    trustingTestCertificate = context.getSocketFactory();

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tlsPort)) {
        break;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline || !tlsRegistry.isAlive()) {
          throw new IOException("the TLS registry did not start: " + Files.readString(directory.resolve("registry.log")));
        }
        Thread.sleep(50);
      }
    }
  }

  @AfterAll
  static void stopTlsRegistry() throws InterruptedException {
    if (tlsRegistry != null) {
      tlsRegistry.destroy();
      tlsRegistry.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void readsARegistryOverTlsAndReusesTheConnection() throws IOException {
    Http1Client client = new Http1Client(trustingTestCertificate, fixedProxy(Proxy.NO_PROXY));
    URI base = URI.create("https://127.0.0.1:" + tlsPort + "/v2/");
    for (int i = 0; i < 3; i++) {
      try (Http1Client.Response response = client.send("GET", base, Map.of("Accept", "application/json"), TIMEOUT)) {
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().firstValue("docker-distribution-api-version")).hasValue("registry/2.0");
        assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("{}");
      }
      assertThat(client.idleConnections()).isEqualTo(1);
    }
    // A missing repository: a 404 with a JSON error body, read to its end, and the connection kept.
    try (Http1Client.Response response = client.send("GET", base.resolve("erp/nothing/tags/list"), Map.of(), TIMEOUT)) {
      assertThat(response.status()).isEqualTo(404);
      assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8)).contains("NAME_UNKNOWN");
    }
    assertThat(client.idleConnections()).isEqualTo(1);
  }

  @Test
  void refusesACertificateItDoesNotTrustOrForAnotherName() {
    URI byAddress = URI.create("https://127.0.0.1:" + tlsPort + "/v2/");
    // The JVM's trust store does not know the test's self-signed certificate.
    assertThatThrownBy(() -> new Http1Client(null, fixedProxy(Proxy.NO_PROXY)).send("GET", byAddress, Map.of(), TIMEOUT))
        .isInstanceOf(SSLHandshakeException.class);
    // Trusted, but issued for 127.0.0.1 only: "localhost" fails the host name check.
    URI byName = URI.create("https://localhost:" + tlsPort + "/v2/");
    assertThatThrownBy(() -> new Http1Client(trustingTestCertificate, fixedProxy(Proxy.NO_PROXY)).send("GET", byName, Map.of(), TIMEOUT))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("localhost");
  }

  @Test
  void reachesTheTlsRegistryThroughAConnectTunnelOfAnHttpProxy() throws IOException {
    try (ScriptedServer proxy = new ScriptedServer((request, socket) -> {
      try {
        Socket registry = new Socket(InetAddress.getLoopbackAddress(), tlsPort);
        socket.getOutputStream().write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        Thread upstream = new Thread(() -> pipe(socket, registry));
        upstream.setDaemon(true);
        upstream.start();
        pipe(registry, socket);
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    })) {
      Http1Client client = new Http1Client(trustingTestCertificate, fixedProxy(proxy.asHttpProxy()));
      try (Http1Client.Response response = client.send("GET", URI.create("https://127.0.0.1:" + tlsPort + "/v2/"), Map.of(), TIMEOUT)) {
        assertThat(response.status()).isEqualTo(200);
        assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("{}");
      }
      assertThat(proxy.requestLines()).containsExactly("CONNECT 127.0.0.1:" + tlsPort + " HTTP/1.1");
      client.closeIdleConnections();  // ends the tunnel
    }
  }

  @Test
  void sendsAbsoluteUrisToAnHttpProxyForPlainHttp() throws IOException {
    try (ScriptedServer proxy = ScriptedServer.answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")) {
      Http1Client client = new Http1Client(null, fixedProxy(proxy.asHttpProxy()));
      try (Http1Client.Response response = client.send("GET", URI.create("http://registry.test:5000/v2/_catalog?n=100"), Map.of(), TIMEOUT)) {
        assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("{}");
      }
      assertThat(proxy.requestLines()).containsExactly("GET http://registry.test:5000/v2/_catalog?n=100 HTTP/1.1");
    }
  }

  @Test
  void readsAChunkedBodyWithExtensionsAndTrailersAndKeepsTheConnection() throws IOException {
    String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5;name=value\r\nhello\r\n" + "7\r\n, world\r\n" + "0\r\nX-Trailer: done\r\n\r\n";
    try (ScriptedServer server = ScriptedServer.answering(chunked, chunked)) {
      Http1Client client = new Http1Client(null, fixedProxy(Proxy.NO_PROXY));
      for (int i = 0; i < 2; i++) {
        try (Http1Client.Response response = client.send("GET", server.uri("/chunked"), Map.of(), TIMEOUT)) {
          assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello, world");
        }
      }
      assertThat(server.connections()).isEqualTo(1);
      assertThat(server.requestLines()).containsExactly("GET /chunked HTTP/1.1", "GET /chunked HTTP/1.1");
    }
  }

  @Test
  void readsAnAnswerThatArrivesInPiecesSplitInsideLinesAndBetweenCrAndLf() throws IOException {
    List<String> pieces = List.of("HTTP/1.1 20", "0 OK\r", "\nContent-Le", "ngth: 5\r\nDocker-Content-Digest: sha256:abc\r",
        "\n\r", "\nhel", "lo");
    try (ScriptedServer server = new ScriptedServer((request, socket) -> {
      try {
        for (String piece : pieces) {
          socket.getOutputStream().write(piece.getBytes(StandardCharsets.ISO_8859_1));
          socket.getOutputStream().flush();
          Thread.sleep(20);  // each piece is read on its own
        }
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    })) {
      Http1Client client = new Http1Client(null, fixedProxy(Proxy.NO_PROXY));
      try (Http1Client.Response response = client.send("GET", server.uri("/pieces"), Map.of(), TIMEOUT)) {
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().map()).containsOnlyKeys("Content-Length", "Docker-Content-Digest");
        assertThat(response.headers().firstValue("Docker-Content-Digest")).hasValue("sha256:abc");
        assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
      }
    }
  }

  @Test
  void acceptsHeaderLinesUpTo16KiBWhereverTheyFallInTheReadBufferAndRefusesLonger() throws IOException {
    // "X-Big: " (7 bytes), the value and the CR make 16,384 bytes before the LF: the longest line
    // accepted. After the status line it ends beyond the client's 16 KiB read buffer.
    String longest = "X-Big: " + "a".repeat(16_384 - 7 - 1) + "\r\n";
    String tooLong = "X-Big: " + "a".repeat(16_384 - 7) + "\r\n";
    try (ScriptedServer server = ScriptedServer.answeringOncePerConnection(
        "HTTP/1.1 200 OK\r\n" + longest + "Content-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\n" + tooLong + "Content-Length: 2\r\n\r\nok")) {
      Http1Client client = new Http1Client(null, fixedProxy(Proxy.NO_PROXY));
      try (Http1Client.Response response = client.send("GET", server.uri("/longest"), Map.of(), TIMEOUT)) {
        assertThat(response.headers().firstValue("X-Big")).hasValue("a".repeat(16_376));
        assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("ok");
      }
      assertThatThrownBy(() -> client.send("GET", server.uri("/too-long"), Map.of(), TIMEOUT))
          .hasMessage("the server sent a line longer than 16384 bytes");
    }
  }

  @Test
  void aHeadAnswerHasNoBodyEvenWithAContentLength() throws IOException {
    String head = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nDocker-Content-Digest: sha256:abc\r\n\r\n";
    try (ScriptedServer server = ScriptedServer.answering(head, head)) {
      Http1Client client = new Http1Client(null, fixedProxy(Proxy.NO_PROXY));
      for (int i = 0; i < 2; i++) {
        try (Http1Client.Response response = client.send("HEAD", server.uri("/v2/erp/redis/manifests/7.2"), Map.of(), TIMEOUT)) {
          assertThat(response.headers().firstValue("Docker-Content-Digest")).hasValue("sha256:abc");
          assertThat(response.body().readAllBytes()).isEmpty();
        }
      }
      assertThat(server.connections()).isEqualTo(1);
    }
  }

  @Test
  void replacesAPooledConnectionTheServerClosedMeanwhile() throws IOException {
    // The server answers once per connection and then closes it, without saying so.
    try (ScriptedServer server = ScriptedServer.answeringOncePerConnection("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) {
      Http1Client client = new Http1Client(null, fixedProxy(Proxy.NO_PROXY));
      for (int i = 0; i < 3; i++) {
        try (Http1Client.Response response = client.send("GET", server.uri("/x"), Map.of(), TIMEOUT)) {
          assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("ok");
        }
      }
      assertThat(server.connections()).isEqualTo(3);
    }
  }

  @Test
  void aServerTooSlowToAnswerIsAFailureNotAClosedConnectionToReplace() throws IOException {
    // The first request is answered; the second, on the same connection, never is.
    try (ScriptedServer server = new ScriptedServer((request, socket) -> {
      try {
        socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    })) {
      Http1Client client = new Http1Client(null, fixedProxy(Proxy.NO_PROXY));
      try (Http1Client.Response response = client.send("GET", server.uri("/first"), Map.of(), TIMEOUT)) {
        assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("ok");
      }
      assertThatThrownBy(() -> client.send("GET", server.uri("/second"), Map.of(), Duration.ofMillis(300)))
          .isInstanceOf(SocketTimeoutException.class);
      assertThat(server.connections()).isEqualTo(1);
      assertThat(server.requestLines()).containsExactly("GET /first HTTP/1.1");
    }
  }

  @Test
  void closesConnectionsTheServerEndsOrThatEndTheirBody() throws IOException {
    try (ScriptedServer server = ScriptedServer.answeringOncePerConnection(
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\none",
        "HTTP/1.0 200 OK\r\n\r\nto the end")) {
      Http1Client client = new Http1Client(null, fixedProxy(Proxy.NO_PROXY));
      try (Http1Client.Response response = client.send("GET", server.uri("/a"), Map.of(), TIMEOUT)) {
        assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("one");
      }
      assertThat(client.idleConnections()).isZero();
      try (Http1Client.Response response = client.send("GET", server.uri("/b"), Map.of(), TIMEOUT)) {
        assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("to the end");
      }
      assertThat(client.idleConnections()).isZero();
    }
  }

  @Test
  void aBodyCutShortIsAnErrorAndAHeaderWithALineBreakIsNeverSent() throws IOException {
    try (ScriptedServer server = ScriptedServer.answeringOncePerConnection("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")) {
      Http1Client client = new Http1Client(null, fixedProxy(Proxy.NO_PROXY));
      try (Http1Client.Response response = client.send("GET", server.uri("/cut"), Map.of(), TIMEOUT)) {
        assertThatThrownBy(() -> response.body().readAllBytes())
            .hasMessage("the server closed the connection 5 bytes before the end of the body");
      }
      assertThat(client.idleConnections()).isZero();
      assertThatThrownBy(() -> client.send("GET", server.uri("/x"), Map.of("Authorization", "Bearer a\r\nX-Injected: 1"), TIMEOUT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("line break");
      assertThat(server.requestLines()).containsExactly("GET /cut HTTP/1.1");
    }
  }

  private static ProxySelector fixedProxy(Proxy proxy) {
    return new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        return List.of(proxy);
      }

      @Override
      public void connectFailed(URI uri, SocketAddress address, IOException e) {}
    };
  }

  private static void pipe(Socket from, Socket to) {
    try (from; to) {
      from.getInputStream().transferTo(to.getOutputStream());
    } catch (IOException closed) {
      // one side closed: the tunnel is over
    }
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }

  /**
   * A loopback server that reads each request's head and hands the socket to a script: canned
   * answers in order, or anything the test wants to do with the connection.
   */
  private static final class ScriptedServer implements AutoCloseable {
    private final ServerSocket socket;
    private final List<String> requestLines = Collections.synchronizedList(new ArrayList<>());
    private final Thread acceptor;
    private volatile int connections;

    /** Answers requests with {@code answers} in order, several on one connection. */
    static ScriptedServer answering(String... answers) throws IOException {
      int[] next = {0};
      return new ScriptedServer(null, answers, next, false);
    }

    /** Answers one request per connection, then closes it without a word. */
    static ScriptedServer answeringOncePerConnection(String... answers) throws IOException {
      int[] next = {0};
      return new ScriptedServer(null, answers, next, true);
    }

    ScriptedServer(BiConsumer<String, Socket> script) throws IOException {
      this(script, new String[0], new int[] {0}, true);
    }

    private ScriptedServer(BiConsumer<String, Socket> script, String[] answers, int[] next, boolean oncePerConnection)
        throws IOException {
      this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      this.acceptor = new Thread(() -> {
        while (!socket.isClosed()) {
          Socket connection;
          try {
            connection = socket.accept();
          } catch (IOException closed) {
            return;
          }
          connections++;
          Thread server = new Thread(() -> serve(connection, script, answers, next, oncePerConnection));
          server.setDaemon(true);
          server.start();
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private void serve(Socket connection, BiConsumer<String, Socket> script, String[] answers, int[] next,
        boolean oncePerConnection) {
      try {
        BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = connection.getOutputStream();
        while (true) {
          String requestLine = in.readLine();
          if (requestLine == null) {
            break;
          }
          for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            // the request's headers: not needed
          }
          requestLines.add(requestLine);
          if (script != null) {
            script.accept(requestLine, connection);
            return;
          }
          String answer;
          synchronized (next) {
            answer = answers[Math.min(next[0]++, answers.length - 1)];
          }
          out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          if (oncePerConnection) {
            break;
          }
        }
        connection.close();
      } catch (IOException e) {
        // the client went away
      }
    }

    URI uri(String path) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
    }

    Proxy asHttpProxy() {
      return new Proxy(Proxy.Type.HTTP, new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort()));
    }

    List<String> requestLines() {
      return List.copyOf(requestLines);
    }

    int connections() {
      return connections;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
