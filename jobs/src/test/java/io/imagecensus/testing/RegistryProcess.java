package io.imagecensus.testing;

import io.imagecensus.demo.PushCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A CNCF Distribution registry ({@code docker-registry serve}, Debian's 2.8.2) on a free 127.0.0.1
 * port with its own temporary storage, for integration tests.
 */
public final class RegistryProcess implements AutoCloseable {

  /** The user the Basic and token registries accept. */
  public static final String USER = "erp-ci";

  /** The password of {@link #USER}. */
  public static final String PASSWORD = "census-test-password";

  private static final Path REGISTRY_BINARY = Path.of("/usr/bin/docker-registry");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
  private static final int START_ATTEMPTS = 3;

  private final RegistryAuth auth;
  private final Process process;
  private final int port;
  private final Path directory;
  private final Path logFile;
  private final TokenIssuer tokenIssuer;
  private final Thread shutdownHook;

  private RegistryProcess(
      RegistryAuth auth,
      Process process,
      int port,
      Path directory,
      Path logFile,
      TokenIssuer tokenIssuer) {
    this.auth = auth;
    this.process = process;
    this.port = port;
    this.directory = directory;
    this.logFile = logFile;
    this.tokenIssuer = tokenIssuer;
    // A JVM that exits without closing its tests' resources must not leave registries behind.
    this.shutdownHook = new Thread(process::destroyForcibly, "stop registry on port " + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts an empty registry and waits until it answers {@code GET /v2/}. */
  public static RegistryProcess start(RegistryAuth auth) throws IOException {
    if (!Files.isExecutable(REGISTRY_BINARY)) {
      throw new IOException(
          "Tried to start a test registry but "
              + REGISTRY_BINARY
              + " is missing: install Debian's docker-registry package");
    }
    Path directory = Files.createTempDirectory("image-census-registry-");
    TokenIssuer issuer = null;
    try {
      Path config = directory.resolve("config.yml");
      String authSection = "";
      switch (auth) {
        case ANONYMOUS -> authSection = "";
        case BASIC -> {
          Path htpasswd = directory.resolve("htpasswd");
          Files.writeString(htpasswd, bcryptHtpasswdLine());
          authSection =
              "auth:\n  htpasswd:\n    realm: image-census-test\n    path: \"" + htpasswd + "\"\n";
        }
        case TOKEN -> {
          issuer = TokenIssuer.start(directory.resolve("token"), USER, PASSWORD);
          authSection =
              "auth:\n  token:\n"
                  + "    realm: \""
                  + issuer.realm()
                  + "\"\n"
                  + "    service: "
                  + TokenIssuer.SERVICE
                  + "\n"
                  + "    issuer: "
                  + TokenIssuer.ISSUER
                  + "\n"
                  + "    rootcertbundle: \""
                  + issuer.certificate()
                  + "\"\n";
        }
      }
      Files.writeString(config, configYaml(directory.resolve("storage"), authSection));
      IOException lastFailure = null;
      // A free port can be taken between probing and binding; then the registry exits and we retry.
      for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
        int port = freePort();
        Path logFile =
            logDirectory().resolve("registry-" + auth.name().toLowerCase() + "-" + port + ".log");
        ProcessBuilder builder =
            new ProcessBuilder(REGISTRY_BINARY.toString(), "serve", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        builder.environment().put("REGISTRY_HTTP_ADDR", "127.0.0.1:" + port);
        builder
            .environment()
            .put(
                "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY",
                directory.resolve("storage").toString());
        Process process = builder.start();
        try {
          awaitReady(process, port, logFile);
          return new RegistryProcess(auth, process, port, directory, logFile, issuer);
        } catch (IOException e) {
          process.destroyForcibly();
          lastFailure = e;
        }
      }
      throw lastFailure;
    } catch (IOException | RuntimeException e) {
      if (issuer != null) {
        issuer.close();
      }
      deleteRecursively(directory);
      throw e;
    }
  }

  public RegistryAuth auth() {
    return auth;
  }

  /** "http://127.0.0.1:PORT". */
  public String baseUrl() {
    return "http://" + hostPort();
  }

  /** "127.0.0.1:PORT", as image references spell the registry. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public Path storageDir() {
    return directory.resolve("storage");
  }

  /** The registry's own log (stderr and stdout), kept under target/registry-logs. */
  public Path logFile() {
    return logFile;
  }

  /** The credentials the registry accepts, empty for an anonymous registry. */
  public Optional<PushCredentials> credentials() {
    return auth == RegistryAuth.ANONYMOUS
        ? Optional.empty()
        : Optional.of(new PushCredentials(USER, PASSWORD));
  }

  /** The token issuer of a {@link RegistryAuth#TOKEN} registry. */
  public Optional<TokenIssuer> tokenIssuer() {
    return Optional.ofNullable(tokenIssuer);
  }

  /** Stops the registry and its token issuer and deletes its storage. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook runs anyway.
    }
    if (tokenIssuer != null) {
      tokenIssuer.close();
    }
    try {
      deleteRecursively(directory);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Tried to delete the test registry's directory " + directory, e);
    }
  }

  private static String configYaml(Path storage, String authSection) {
    return """
        version: 0.1
        log:
          level: warn
          accesslog:
            disabled: true
        storage:
          filesystem:
            rootdirectory: "%s"
          delete:
            enabled: true
          maintenance:
            uploadpurging:
              enabled: false
        http:
          # Overridden by REGISTRY_HTTP_ADDR with the free port chosen at start.
          addr: 127.0.0.1:5000
          secret: image-census-test-secret
        """
            .formatted(storage)
        + authSection;
  }

  private static String bcryptHtpasswdLine() throws IOException {
    Process htpasswd = new ProcessBuilder("htpasswd", "-Bbn", USER, PASSWORD).start();
    String output = new String(htpasswd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String errors = new String(htpasswd.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (htpasswd.waitFor() != 0 || !output.startsWith(USER + ":$2")) {
        throw new IOException(
            "Tried to create a bcrypt htpasswd line but htpasswd said: " + errors + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while running htpasswd", e);
    }
    return output.strip() + "\n";
  }

  private static void awaitReady(Process process, int port, Path logFile) throws IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest ping =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "Tried to start docker-registry on port "
                + port
                + " but it exited with "
                + process.exitValue()
                + ": "
                + Files.readString(logFile));
      }
      try {
        int status = http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 200 || status == 401) {
          return;
        }
      } catch (IOException notListeningYet) {
        // Keep polling until the deadline.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while waiting for docker-registry on port " + port, e);
      }
      sleep(Duration.ofMillis(20));
    }
    throw new IOException(
        "Tried to start docker-registry on port "
            + port
            + " but GET /v2/ did not answer within "
            + START_TIMEOUT.toSeconds()
            + " s; see "
            + logFile);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /**
   * target/registry-logs of the Maven module (surefire sets "basedir"), else of the working
   * directory.
   */
  static Path logDirectory() throws IOException {
    Path directory =
        Path.of(System.getProperty("basedir", ".")).resolve("target").resolve("registry-logs");
    Files.createDirectories(directory);
    return directory;
  }

  private static void sleep(Duration duration) throws IOException {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while waiting for docker-registry", e);
    }
  }

  static void deleteRecursively(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      List<Path> deepestFirst = paths.sorted(Comparator.reverseOrder()).toList();
      for (Path path : deepestFirst) {
        Files.deleteIfExists(path);
      }
    }
  }
}
