package io.imagecensus.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PUTs manifests as raw bytes. jib-core's manifest templates drop annotations, platform variants
 * and artifact fields, and a manifest's digest is the hash of the exact bytes stored, so the
 * estate's manifests bypass them; Basic and Bearer token challenges are answered here.
 */
final class ManifestUploader {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final Pattern CHALLENGE_PARAMETER = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  private final URI baseUrl;
  private final Optional<PushCredentials> credentials;
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final Map<String, String> authorizationByRepository = new ConcurrentHashMap<>();
  private final AtomicInteger manifestsPut = new AtomicInteger();

  ManifestUploader(URI baseUrl, Optional<PushCredentials> credentials) {
    this.baseUrl = baseUrl;
    this.credentials = credentials;
  }

  /** Stores the manifest under {@code reference} (a tag or its digest) and checks the digest. */
  void put(String repository, String reference, RawManifest manifest) throws IOException {
    URI uri = baseUrl.resolve("/v2/" + repository + "/manifests/" + reference);
    HttpResponse<String> response = send(uri, manifest, authorizationByRepository.get(repository));
    if (response.statusCode() == 401) {
      String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
      String authorization = authorize(repository, challenge);
      authorizationByRepository.put(repository, authorization);
      response = send(uri, manifest, authorization);
    }
    if (response.statusCode() != 201) {
      throw new IOException(
          "Tried to push manifest "
              + repository
              + ":"
              + reference
              + " to "
              + baseUrl
              + " but it answered "
              + response.statusCode()
              + ": "
              + response.body());
    }
    String stored = response.headers().firstValue("Docker-Content-Digest").orElse(null);
    if (!manifest.digest().equals(stored)) {
      throw new IOException(
          "Tried to push manifest "
              + repository
              + ":"
              + reference
              + " to "
              + baseUrl
              + " as "
              + manifest.digest()
              + " but the registry stored it as "
              + stored);
    }
    manifestsPut.incrementAndGet();
  }

  int manifestsPut() {
    return manifestsPut.get();
  }

  private HttpResponse<String> send(URI uri, RawManifest manifest, String authorization)
      throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(TIMEOUT)
            .header("Content-Type", manifest.mediaType())
            .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest.bytes()));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return call(request.build());
  }

  private String authorize(String repository, String challenge) throws IOException {
    PushCredentials login =
        credentials.orElseThrow(
            () ->
                new IOException(
                    "Tried to push to "
                        + repository
                        + " on "
                        + baseUrl
                        + " but it asks for credentials ("
                        + challenge
                        + "): pass --user and --password-env"));
    String basic =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(
                    (login.username() + ":" + login.password()).getBytes(StandardCharsets.UTF_8));
    String scheme = challenge.split(" ", 2)[0].toLowerCase(Locale.ROOT);
    if (scheme.equals("basic")) {
      return basic;
    }
    if (!scheme.equals("bearer")) {
      throw new IOException(
          "Tried to push to "
              + repository
              + " on "
              + baseUrl
              + " but it asks for an unsupported authentication: "
              + challenge);
    }
    Map<String, String> parameters = new HashMap<>();
    Matcher matcher = CHALLENGE_PARAMETER.matcher(challenge);
    while (matcher.find()) {
      parameters.put(matcher.group(1), matcher.group(2));
    }
    String realm = parameters.get("realm");
    if (realm == null) {
      throw new IOException(
          "Registry " + baseUrl + " sent a Bearer challenge without realm: " + challenge);
    }
    StringBuilder query = new StringBuilder();
    if (parameters.containsKey("service")) {
      query.append("service=").append(encode(parameters.get("service"))).append('&');
    }
    query.append("scope=").append(encode("repository:" + repository + ":pull,push"));
    URI tokenUri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
    HttpResponse<String> response =
        call(
            HttpRequest.newBuilder(tokenUri)
                .timeout(TIMEOUT)
                .header("Authorization", basic)
                .GET()
                .build());
    if (response.statusCode() != 200) {
      throw new IOException(
          "Tried to get a push token for "
              + repository
              + " from "
              + realm
              + " but it answered "
              + response.statusCode()
              + ": "
              + response.body());
    }
    return "Bearer " + tokenFrom(response.body(), realm);
  }

  private static String tokenFrom(String body, String realm) throws IOException {
    try {
      JsonNode json = Json.parse(body);
      // The distribution token spec names it "token"; OAuth2-style servers say "access_token".
      String token = json.path("token").asText(json.path("access_token").asText(""));
      if (token.isEmpty()) {
        throw new IOException("Token server " + realm + " answered without a token: " + body);
      }
      return token;
    } catch (JsonProcessingException e) {
      throw new IOException("Token server " + realm + " answered with invalid JSON: " + body, e);
    }
  }

  private HttpResponse<String> call(HttpRequest request) throws IOException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IOException(
          "Tried to " + request.method() + " " + request.uri() + " but failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while calling " + request.uri(), e);
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
