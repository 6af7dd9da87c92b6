package io.imagecensus.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RegistryExtension.class)
class RegistryProcessTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BASIC_CREDENTIALS =
      "Basic "
          + Base64.getEncoder()
              .encodeToString(
                  (RegistryProcess.USER + ":" + RegistryProcess.PASSWORD)
                      .getBytes(StandardCharsets.UTF_8));

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void anonymousRegistryServesWithoutCredentials(TestRegistry registry) throws Exception {
    assertThat(registry.auth()).isEqualTo(RegistryAuth.ANONYMOUS);
    assertThat(registry.baseUrl())
        .isEqualTo("http://" + registry.hostPort())
        .startsWith("http://127.0.0.1:");
    assertThat(registry.credentials()).isEmpty();
    assertThat(get(registry.baseUrl() + "/v2/", null).statusCode()).isEqualTo(200);
    assertThat(
            Files.isDirectory(
                registry.storageDir().resolve("docker/registry/v2/repositories/erp/api-server")))
        .isTrue();
  }

  @Test
  void basicRegistryRejectsAnonymousAndAcceptsTheTestUser(
      @RegistryMode(RegistryAuth.BASIC) TestRegistry registry) throws Exception {
    HttpResponse<String> anonymous = get(registry.baseUrl() + "/v2/", null);
    HttpResponse<String> wrongPassword =
        get(
            registry.baseUrl() + "/v2/",
            "Basic "
                + Base64.getEncoder()
                    .encodeToString("erp-ci:wrong".getBytes(StandardCharsets.UTF_8)));
    HttpResponse<String> authenticated = get(registry.baseUrl() + "/v2/", BASIC_CREDENTIALS);

    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate"))
        .hasValue("Basic realm=\"image-census-test\"");
    assertThat(wrongPassword.statusCode()).isEqualTo(401);
    assertThat(authenticated.statusCode()).isEqualTo(200);
    byte[] raw =
        Skopeo.inspectRaw(registry.hostPort(), registry.credentials(), "erp/api-server:2026.01.0");
    assertThat(sha256(raw)).isEqualTo(registry.truth().tag("erp/api-server", "2026.01.0").digest());
  }

  @Test
  void tokenRegistrySendsClientsToTheIssuerAndAcceptsItsTokens(
      @RegistryMode(RegistryAuth.TOKEN) TestRegistry registry) throws Exception {
    TokenIssuer issuer = registry.tokenIssuer().orElseThrow();
    String scope = "registry:catalog:*";
    String tokenUrl =
        issuer.realm()
            + "?service="
            + TokenIssuer.SERVICE
            + "&scope="
            + URLEncoder.encode(scope, StandardCharsets.UTF_8);

    HttpResponse<String> anonymous = get(registry.baseUrl() + "/v2/", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"" + issuer.realm() + "\",service=\"test-registry\"");

    int issuedBefore = issuer.issuedTokens();
    HttpResponse<String> refused = get(tokenUrl, null);
    HttpResponse<String> granted = get(tokenUrl, BASIC_CREDENTIALS);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(granted.statusCode()).isEqualTo(200);
    assertThat(issuer.issuedTokens()).isEqualTo(issuedBefore + 1);
    assertThat(issuer.requestedScopes()).endsWith(scope, scope);

    JsonNode tokenResponse = JSON.readTree(granted.body());
    String token = tokenResponse.path("token").asText();
    assertThat(tokenResponse.path("access_token").asText()).isEqualTo(token);
    assertThat(tokenResponse.path("expires_in").asInt()).isEqualTo(300);
    JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    assertThat(claims.path("iss").asText()).isEqualTo("test-issuer");
    assertThat(claims.path("aud").asText()).isEqualTo("test-registry");
    assertThat(claims.path("access").toString())
        .isEqualTo("[{\"type\":\"registry\",\"name\":\"catalog\",\"actions\":[\"*\"]}]");

    HttpResponse<String> catalog = get(registry.baseUrl() + "/v2/_catalog", "Bearer " + token);
    assertThat(catalog.statusCode()).isEqualTo(200);
    List<String> repositories = new ArrayList<>();
    JSON.readTree(catalog.body()).path("repositories").forEach(r -> repositories.add(r.asText()));
    assertThat(repositories).isEqualTo(registry.truth().repositories());
    // A catalog token grants no pull: the registry answers with a challenge for the repository
    // scope.
    HttpResponse<String> manifest =
        get(registry.baseUrl() + "/v2/erp/redis/manifests/7.2", "Bearer " + token);
    assertThat(manifest.statusCode()).isEqualTo(401);
    assertThat(manifest.headers().firstValue("WWW-Authenticate").orElseThrow())
        .contains("scope=\"repository:erp/redis:pull\"");

    byte[] raw = Skopeo.inspectRaw(registry.hostPort(), registry.credentials(), "erp/redis:7.2");
    assertThat(sha256(raw)).isEqualTo(registry.truth().tag("erp/redis", "7.2").digest());
  }

  @Test
  void closingStopsTheRegistryAndDeletesItsStorage() throws Exception {
    RegistryProcess registry = RegistryProcess.start(RegistryAuth.ANONYMOUS);
    String baseUrl = registry.baseUrl();
    Path storage = registry.storageDir();
    assertThat(get(baseUrl + "/v2/_catalog", null).body()).isEqualTo("{\"repositories\":[]}\n");

    registry.close();

    assertThat(storage.getParent()).doesNotExist();
    assertThat(registry.logFile()).exists();
    try {
      get(baseUrl + "/v2/", null);
      throw new AssertionError("The registry still answers at " + baseUrl);
    } catch (ConnectException expected) {
      // Nothing listens any more.
    }
  }

  private HttpResponse<String> get(String url, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String sha256(byte[] bytes) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
