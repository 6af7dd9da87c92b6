package io.imagecensus.crawl;

import io.imagecensus.config.CrawlSettings;
import io.imagecensus.config.RegistrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP access to one registry: Basic and Bearer-token authentication, bounded parallel requests,
 * reused connections and retries of temporary failures.
 *
 * <p>Requests go over {@link Http1Client}: HTTP/1.1 with keep-alive connections shared by the
 * whole JVM, TLS with the JVM's trust store and host name check, and the JVM's proxy settings.
 * jib-core's {@code FailoverHttpClient} opens a new connection per request and keeps every socket
 * until shut down; the JDK's {@code HttpURLConnection} and {@code java.net.http.HttpClient} reuse
 * connections but spend more CPU per request, which on a machine shared with the registry is
 * taken from the registry (see {@code scripts/bench/HttpMix.java}). One token cache and request
 * limit are shared by all clients of the same registry in a JVM (one executor, or the driver).
 */
public final class RegistryClient {
  /** The JVM's connections to all registries, kept open between requests. */
  private static final Http1Client HTTP = new Http1Client();

  private static final Map<String, Shared> SHARED = new ConcurrentHashMap<>();
  private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);

  private final RegistrySettings registry;
  private final CrawlSettings settings;
  private final Optional<Credentials> credentials;
  private final RequestCounter counter;
  private final Shared shared;

  /** The JVM-wide state of one registry: tokens and the request limit. */
  private static final class Shared {
    final Semaphore inFlight;
    final Map<String, String> tokens = new ConcurrentHashMap<>();
    volatile String basicScheme;

    Shared(CrawlSettings settings) {
      this.inFlight = new Semaphore(settings.concurrency());
    }
  }

  /** A response with its body read into memory. */
  public record Response(int status, HttpHeaders headers, byte[] body) {
    /** The first value of a header, if present. */
    public Optional<String> header(String name) {
      return headers.firstValue(name);
    }
  }

  public RegistryClient(RegistrySettings registry, CrawlSettings settings,
      Optional<Credentials> credentials, RequestCounter counter) {
    this.registry = registry;
    this.settings = settings;
    this.credentials = credentials;
    this.counter = counter;
    this.shared = SHARED.computeIfAbsent(
        // Tokens belong to a user: clients with other credentials must not share them.
        registry.name() + "|" + registry.url() + "|" + settings.concurrency() + "|"
            + credentials.map(Credentials::username).orElse(""),
        key -> new Shared(settings));
  }

  public RegistrySettings registry() {
    return registry;
  }

  /**
   * Sends a request for a path below the registry root (such as {@code /v2/_catalog?n=100}),
   * authenticating for {@code scope} when challenged, retrying temporary failures. Every final
   * status is returned; only transport failures that outlast the retries throw.
   */
  public Response send(String method, String pathAndQuery, Map<String, String> headers,
      String scope, String action) {
    URI uri = registry.url().resolve(pathAndQuery);
    int attempt = 0;
    boolean authRetried = false;
    while (true) {
      Response response;
      try {
        response = sendOnce(method, uri, headers, authorization(scope));
      } catch (IOException e) {
        if (attempt++ < settings.retries()) {
          counter.onRetry();
          sleep(backoff(attempt));
          continue;
        }
        throw new RegistryException(action, null, describe(e) + " (after " + attempt + " attempts)");
      }
      int status = response.status();
      if (status == 401 && !authRetried) {
        authRetried = true;
        if (authenticate(response, scope, action)) {
          continue;
        }
        return response;
      }
      if ((status == 429 || status >= 500) && attempt++ < settings.retries()) {
        counter.onRetry();
        sleep(retryAfter(response).orElse(backoff(attempt)));
        continue;
      }
      if (status >= 300 && status < 400 && response.header("Location").isPresent() && "GET".equals(method)) {
        // Blob GETs are often redirected to object storage; the registry's credentials must not follow.
        uri = uri.resolve(response.header("Location").get());
        return followRedirect(uri, headers, action);
      }
      return response;
    }
  }

  /** Reads a response body as a stream, for blobs too large to hold in memory. */
  public interface StreamReader<T> {
    T read(InputStream body) throws IOException;
  }

  /**
   * GETs a path and hands the body to {@code reader} as it arrives; authentication, redirects and
   * retries as in {@link #send}. Throws {@link RegistryException} for any status but 200.
   */
  public <T> T stream(String pathAndQuery, String scope, String action, StreamReader<T> reader) {
    URI uri = registry.url().resolve(pathAndQuery);
    String authorization = authorization(scope);
    boolean authRetried = false;
    int attempt = 0;
    while (true) {
      Response response = null;
      IOException failure = null;
      acquirePermit();
      try (Http1Client.Response answer = HTTP.send("GET", uri, requestHeaders(Map.of(), authorization), settings.timeout())) {
        int status = answer.status();
        if (status == 200) {
          CountingInputStream body = new CountingInputStream(answer.body());
          try {
            return reader.read(body);
          } finally {
            counter.onRequest(body.count());
          }
        }
        response = new Response(status, answer.headers(), answer.body().readAllBytes());
      } catch (IOException e) {
        failure = e;
      } finally {
        shared.inFlight.release();
      }
      // The permit is released: waits and token requests below do not hold a request slot.
      if (failure != null) {
        if (attempt++ < settings.retries()) {
          counter.onRetry();
          sleep(backoff(attempt));
          continue;
        }
        throw new RegistryException(action, null, describe(failure));
      }
      int status = response.status();
      if (status == 401 && !authRetried) {
        authRetried = true;
        if (!authenticate(response, scope, action)) {
          throw new RegistryException(action, 401, "the registry answered 401" + credentialHint());
        }
        authorization = authorization(scope);
        continue;
      }
      if ((status == 429 || status >= 500) && attempt++ < settings.retries()) {
        counter.onRetry();
        sleep(retryAfter(response).orElse(backoff(attempt)));
        continue;
      }
      if (status >= 300 && status < 400 && response.header("Location").isPresent()) {
        // Redirect targets (object storage) must not receive the registry's credentials.
        uri = uri.resolve(response.header("Location").get());
        authorization = null;
        continue;
      }
      throw new RegistryException(action, status, "the registry answered " + status);
    }
  }

  /** Waits for one of the registry's request slots; the caller releases it once the answer is read. */
  private void acquirePermit() {
    try {
      shared.inFlight.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException("wait for a free connection", null, "interrupted");
    }
  }

  /** The headers of every request, then the caller's, then the credentials. */
  private static Map<String, String> requestHeaders(Map<String, String> headers, String authorization) {
    Map<String, String> all = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    all.put("User-Agent", "image-census");
    all.put("Accept", "*/*");
    all.putAll(headers);
    if (authorization != null) {
      all.put("Authorization", authorization);
    }
    return all;
  }

  /** Counts the bytes read through it. */
  private static final class CountingInputStream extends java.io.FilterInputStream {
    private long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    long count() {
      return count;
    }
  }

  private Response followRedirect(URI location, Map<String, String> headers, String action) {
    int attempt = 0;
    while (true) {
      try {
        Response response = sendOnce("GET", location, headers, null);
        if ((response.status() == 429 || response.status() >= 500) && attempt++ < settings.retries()) {
          counter.onRetry();
          sleep(retryAfter(response).orElse(backoff(attempt)));
          continue;
        }
        return response;
      } catch (IOException e) {
        if (attempt++ < settings.retries()) {
          counter.onRetry();
          sleep(backoff(attempt));
          continue;
        }
        throw new RegistryException(action, null, describe(e) + " at redirect target " + location.getHost());
      }
    }
  }

  private Response sendOnce(String method, URI uri, Map<String, String> headers, String authorization)
      throws IOException {
    acquirePermit();
    try (Http1Client.Response answer = HTTP.send(method, uri, requestHeaders(headers, authorization), settings.timeout())) {
      // Error bodies are read too: a body read to its end lets the connection serve the next request.
      byte[] body = answer.body().readAllBytes();
      counter.onRequest(body.length);
      return new Response(answer.status(), answer.headers(), body);
    } finally {
      shared.inFlight.release();
    }
  }

  private String authorization(String scope) {
    String token = shared.tokens.get(scope == null ? "" : scope);
    if (token != null) {
      return "Bearer " + token;
    }
    if (shared.basicScheme != null && credentials.isPresent()) {
      return credentials.get().basicHeader();
    }
    return null;
  }

  /** Answers a 401 challenge; returns false when there is nothing to answer it with. */
  private boolean authenticate(Response challenge, String scope, String action) {
    String header = challenge.header("WWW-Authenticate").orElse("");
    if (header.regionMatches(true, 0, "Basic", 0, 5)) {
      if (credentials.isEmpty()) {
        return false;
      }
      shared.basicScheme = "Basic";
      return true;
    }
    if (!header.regionMatches(true, 0, "Bearer", 0, 6)) {
      return false;
    }
    Map<String, String> params = new LinkedHashMap<>();
    Matcher m = CHALLENGE_PARAM.matcher(header);
    while (m.find()) {
      params.put(m.group(1), m.group(2));
    }
    String realm = params.get("realm");
    if (realm == null) {
      throw new RegistryException(action, 401, "the registry's Bearer challenge names no realm: " + header);
    }
    String tokenScope = params.getOrDefault("scope", scope);
    StringBuilder query = new StringBuilder();
    if (params.containsKey("service")) {
      query.append("service=").append(encode(params.get("service")));
    }
    if (tokenScope != null) {
      for (String s : tokenScope.split(" ")) {
        query.append(query.isEmpty() ? "" : "&").append("scope=").append(encode(s));
      }
    }
    URI tokenUri = URI.create(realm + (query.isEmpty() ? "" : (realm.contains("?") ? "&" : "?") + query));
    Response tokenResponse;
    try {
      tokenResponse = sendOnce("GET", tokenUri, Map.of(),
          credentials.map(Credentials::basicHeader).orElse(null));
    } catch (IOException e) {
      throw new RegistryException(action, null, "the token service " + tokenUri.getHost() + " did not answer: " + describe(e));
    }
    if (tokenResponse.status() != 200) {
      throw new RegistryException(action, tokenResponse.status(), "the token service answered "
          + tokenResponse.status() + credentialHint());
    }
    String token = TokenResponse.parse(tokenResponse.body());
    shared.tokens.put(scope == null ? "" : scope, token);
    return true;
  }

  /** A remedy to append to an authentication failure. */
  String credentialHint() {
    if (registry.auth().usernameEnv() != null) {
      return "; check " + registry.auth().usernameEnv() + "/" + registry.auth().passwordEnv();
    }
    if (registry.auth().dockerConfig()) {
      return "; run docker login " + registry.host();
    }
    return "; the registry needs credentials: set auth.username-env/password-env for registry '"
        + registry.name() + "'";
  }

  private static Optional<Duration> retryAfter(Response response) {
    Optional<String> value = response.header("Retry-After");
    if (value.isEmpty()) {
      return Optional.empty();
    }
    String text = value.get().trim();
    try {
      long seconds = Long.parseLong(text);
      return Optional.of(min(Duration.ofSeconds(Math.max(0, seconds))));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime when = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration wait = Duration.between(ZonedDateTime.now(when.getZone()), when);
        return Optional.of(min(wait.isNegative() ? Duration.ZERO : wait));
      } catch (DateTimeParseException notADate) {
        return Optional.empty();
      }
    }
  }

  private static Duration min(Duration wait) {
    return wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait;
  }

  private static Duration backoff(int attempt) {
    return Duration.ofMillis(Math.min(10_000, 100L << Math.min(attempt, 7)));
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException("wait before a retry", null, "interrupted");
    }
  }

  private static String describe(IOException e) {
    String name = e.getClass().getSimpleName();
    return e.getMessage() == null ? name : name + ": " + e.getMessage();
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
