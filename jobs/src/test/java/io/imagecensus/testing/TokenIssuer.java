package io.imagecensus.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token server for a registry in {@code auth.token} mode: it checks Basic credentials and issues
 * RS256 JWTs granting exactly the scopes asked for, signed by a key whose self-signed certificate
 * (made with the openssl command line) is the registry's root certificate bundle.
 */
public final class TokenIssuer implements AutoCloseable {

  /** The registry's {@code auth.token.service}, which tokens carry as their audience. */
  public static final String SERVICE = "test-registry";

  /** The registry's {@code auth.token.issuer}. */
  public static final String ISSUER = "test-issuer";

  private static final long LIFETIME_SECONDS = 300;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder BASE64_URL = Base64.getUrlEncoder().withoutPadding();

  private final HttpServer server;
  private final ExecutorService executor;
  private final Path certificate;
  private final PrivateKey key;
  private final String certificateDerBase64;
  private final String username;
  private final String expectedAuthorization;
  private final AtomicInteger issuedTokens = new AtomicInteger();
  private final List<String> requestedScopes = new CopyOnWriteArrayList<>();

  private TokenIssuer(Path directory, String username, String password) throws IOException {
    Files.createDirectories(directory);
    Path keyFile = directory.resolve("key.pem");
    this.certificate = directory.resolve("cert.pem");
    runOpenssl(directory, keyFile, certificate);
    this.key = readPrivateKey(keyFile);
    // x5c carries standard (not URL) base64 DER; distribution verifies it against the bundle.
    this.certificateDerBase64 = pemBody(Files.readString(certificate), "CERTIFICATE");
    this.username = username;
    this.expectedAuthorization =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    this.executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    server.createContext("/token", this::handle);
    server.start();
  }

  /** Creates a key and certificate in {@code directory} and starts serving tokens. */
  public static TokenIssuer start(Path directory, String username, String password)
      throws IOException {
    return new TokenIssuer(directory, username, password);
  }

  /** The URL registries send clients to: "http://127.0.0.1:PORT/token". */
  public String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  /** The PEM certificate the registry trusts ({@code rootcertbundle}). */
  public Path certificate() {
    return certificate;
  }

  /** How many tokens were issued so far. */
  public int issuedTokens() {
    return issuedTokens.get();
  }

  /** Every scope asked for, in request order, including those of refused requests. */
  public List<String> requestedScopes() {
    return List.copyOf(requestedScopes);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String service = null;
      List<String> scopes = new ArrayList<>();
      String query = exchange.getRequestURI().getRawQuery();
      for (String parameter : query == null ? new String[0] : query.split("&")) {
        String[] nameValue = parameter.split("=", 2);
        String value =
            nameValue.length == 2 ? URLDecoder.decode(nameValue[1], StandardCharsets.UTF_8) : "";
        switch (nameValue[0]) {
          case "service" -> service = value;
            // Clients may repeat "scope" or put several scopes, space-separated, in one.
          case "scope" -> scopes.addAll(List.of(value.split(" ")));
          default -> {}
        }
      }
      requestedScopes.addAll(scopes);
      if (!expectedAuthorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        respond(
            exchange,
            401,
            "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"wrong or missing"
                + " credentials\"}]}");
        return;
      }
      String token = sign(service == null ? SERVICE : service, scopes);
      issuedTokens.incrementAndGet();
      ObjectNode body = JSON.createObjectNode();
      body.put("token", token);
      body.put("access_token", token);
      body.put("expires_in", LIFETIME_SECONDS);
      body.put("issued_at", Instant.now().toString());
      respond(exchange, 200, JSON.writeValueAsString(body));
    }
  }

  private String sign(String audience, List<String> scopes) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    header.put("typ", "JWT");
    header.put("alg", "RS256");
    header.putArray("x5c").add(certificateDerBase64);

    long now = Instant.now().getEpochSecond();
    ObjectNode claims = JSON.createObjectNode();
    claims.put("iss", ISSUER);
    claims.put("sub", username);
    // Distribution 2.8.2 reads "aud" as a single string, not a list.
    claims.put("aud", audience);
    claims.put("exp", now + LIFETIME_SECONDS);
    claims.put("nbf", now - 10);
    claims.put("iat", now);
    claims.put("jti", "token-" + issuedTokens.get() + "-" + System.nanoTime());
    ArrayNode access = claims.putArray("access");
    for (String scope : scopes) {
      // "type:name:actions"; a name may itself hold a colon (a registry host with a port).
      int first = scope.indexOf(':');
      int last = scope.lastIndexOf(':');
      if (first < 0 || last == first) {
        continue;
      }
      ObjectNode grant = access.addObject();
      grant.put("type", scope.substring(0, first));
      grant.put("name", scope.substring(first + 1, last));
      ArrayNode actions = grant.putArray("actions");
      for (String action : scope.substring(last + 1).split(",")) {
        actions.add(action);
      }
    }
    String signingInput =
        BASE64_URL.encodeToString(JSON.writeValueAsBytes(header))
            + "."
            + BASE64_URL.encodeToString(JSON.writeValueAsBytes(claims));
    try {
      Signature signature = Signature.getInstance("SHA256withRSA");
      signature.initSign(key);
      signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + BASE64_URL.encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IOException("Tried to sign a registry token but failed", e);
    }
  }

  private static void respond(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static void runOpenssl(Path directory, Path keyFile, Path certificate)
      throws IOException {
    Process openssl =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                keyFile.toString(),
                "-out",
                certificate.toString(),
                "-days",
                "2",
                "-subj",
                "/CN=" + ISSUER)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (openssl.waitFor() != 0) {
        throw new IOException(
            "Tried to create the token signing key with openssl but it said: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while running openssl", e);
    }
  }

  private static PrivateKey readPrivateKey(Path keyFile) throws IOException {
    // OpenSSL 3 writes an unencrypted PKCS#8 "PRIVATE KEY", which Java reads directly.
    String der = pemBody(Files.readString(keyFile), "PRIVATE KEY");
    try {
      return KeyFactory.getInstance("RSA")
          .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(der)));
    } catch (GeneralSecurityException e) {
      throw new IOException("Tried to read the token signing key " + keyFile + " but failed", e);
    }
  }

  private static String pemBody(String pem, String label) throws IOException {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf(end);
    if (from < 0 || to < 0) {
      throw new IOException("Expected a PEM " + label + " block but found: " + pem);
    }
    return pem.substring(from + begin.length(), to).replaceAll("\\s", "");
  }
}
