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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry stand-in that pages {@code /v2/_catalog} and {@code /v2/<repo>/tags/list} with {@code
 * n}/{@code last} and an RFC 5988 {@code Link: <...>; rel="next"} header, as Harbor, ECR and GHCR
 * do for tags (distribution 2.8.2 does not page tags), with injectable failures. It records every
 * request so that tests can assert exact request sequences.
 */
public final class TagPagingServer implements AutoCloseable {

  /** One request as received, with the status it was answered with. */
  public record RecordedRequest(String method, String pathAndQuery, int status) {}

  private static final Pattern TAGS_PATH = Pattern.compile("^/v2/(.+)/tags/list$");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PATH_AND_QUERY = "pathAndQuery";

  private final Map<String, List<String>> tagsByRepository;
  private final Set<String> listedButMissing;
  private final int pageSizeCap;
  private final String nextLinkBase;
  private final int tooManyRequests;
  private final int retryAfterSeconds;
  private final int serverErrorOnRequest;
  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicInteger pagingRequests = new AtomicInteger();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

  private TagPagingServer(Builder builder) throws IOException {
    this.tagsByRepository = new TreeMap<>();
    builder.tagsByRepository.forEach(
        (repository, tags) -> tagsByRepository.put(repository, List.copyOf(new TreeSet<>(tags))));
    this.listedButMissing = new TreeSet<>(builder.listedButMissing);
    this.pageSizeCap = builder.pageSizeCap;
    this.nextLinkBase = builder.nextLinkBase;
    this.tooManyRequests = builder.tooManyRequests;
    this.retryAfterSeconds = builder.retryAfterSeconds;
    this.serverErrorOnRequest = builder.serverErrorOnRequest;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    this.executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** How the server behaves; every option defaults to a well-behaved registry. */
  public static final class Builder {
    private final Map<String, List<String>> tagsByRepository = new TreeMap<>();
    private final Set<String> listedButMissing = new TreeSet<>();
    private int pageSizeCap = Integer.MAX_VALUE;
    private String nextLinkBase;
    private int tooManyRequests;
    private int retryAfterSeconds = 1;
    private int serverErrorOnRequest;

    private Builder() {}

    /** A repository and its tags; tags are served in lexical order, as registries do. */
    public Builder repository(String name, List<String> tags) {
      tagsByRepository.put(name, List.copyOf(tags));
      return this;
    }

    public Builder repository(String name, String... tags) {
      return repository(name, List.of(tags));
    }

    /** A repository the catalog lists but whose tag list answers 404 NAME_UNKNOWN. */
    public Builder listedButMissing(String repository) {
      listedButMissing.add(repository);
      return this;
    }

    /**
     * The largest page served, whatever {@code n} asks for (ECR: 1000, Docker Hub: 100); also the
     * page size without {@code n}.
     */
    public Builder pageSizeCap(int cap) {
      if (cap < 1) {
        throw new IllegalArgumentException("Page size cap must be positive but was " + cap);
      }
      pageSizeCap = cap;
      return this;
    }

    /**
     * Makes every next link absolute and point to {@code otherBaseUrl}: a client must refuse it.
     */
    public Builder nextLinkToHost(String otherBaseUrl) {
      nextLinkBase = otherBaseUrl;
      return this;
    }

    /** Answers the first {@code count} paging requests with 429 and {@code Retry-After}. */
    public Builder tooManyRequestsFirst(int count) {
      tooManyRequests = count;
      return this;
    }

    /** The {@code Retry-After} seconds sent with a 429; 1 unless set. */
    public Builder retryAfterSeconds(int seconds) {
      retryAfterSeconds = seconds;
      return this;
    }

    /** Answers the {@code number}-th paging request (1-based, counting 429s) with 500, once. */
    public Builder serverErrorOnRequest(int number) {
      serverErrorOnRequest = number;
      return this;
    }

    public TagPagingServer start() throws IOException {
      return new TagPagingServer(this);
    }
  }

  /** "http://127.0.0.1:PORT". */
  public String baseUrl() {
    return "http://" + hostPort();
  }

  /** "127.0.0.1:PORT". */
  public String hostPort() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** Every request so far, in arrival order. */
  public List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  /** Just the "METHOD path?query" of every request so far, for compact assertions. */
  public List<String> requestLines() {
    return requests.stream().map(r -> r.method() + " " + r.pathAndQuery()).toList();
  }

  public void clearRequests() {
    requests.clear();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      String rawQuery = exchange.getRequestURI().getRawQuery();
      exchange.setAttribute(PATH_AND_QUERY, rawQuery == null ? path : path + "?" + rawQuery);
      answer(exchange, path, queryParameters(rawQuery));
    }
  }

  private int answer(HttpExchange exchange, String path, Map<String, String> query)
      throws IOException {
    exchange.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
    if (!exchange.getRequestMethod().equals("GET")) {
      return error(exchange, 405, "UNSUPPORTED", "only GET is served");
    }
    if (path.equals("/v2/")) {
      return respond(exchange, 200, "{}");
    }
    Matcher tags = TAGS_PATH.matcher(path);
    boolean catalog = path.equals("/v2/_catalog");
    if (!catalog && !tags.matches()) {
      return error(exchange, 404, "NOT_FOUND", "no route for " + path);
    }
    int number = pagingRequests.incrementAndGet();
    if (number <= tooManyRequests) {
      exchange.getResponseHeaders().set("Retry-After", Integer.toString(retryAfterSeconds));
      return error(exchange, 429, "TOOMANYREQUESTS", "rate limit exceeded");
    }
    if (number == serverErrorOnRequest) {
      return error(exchange, 500, "UNKNOWN", "injected server error");
    }
    if (catalog) {
      TreeSet<String> names = new TreeSet<>(tagsByRepository.keySet());
      names.addAll(listedButMissing);
      return page(exchange, path, query, List.copyOf(names), "repositories", null);
    }
    String repository = tags.group(1);
    List<String> repositoryTags = tagsByRepository.get(repository);
    if (repositoryTags == null) {
      return error(
          exchange, 404, "NAME_UNKNOWN", "repository name not known to registry: " + repository);
    }
    return page(exchange, path, query, repositoryTags, "tags", repository);
  }

  private int page(
      HttpExchange exchange,
      String path,
      Map<String, String> query,
      List<String> all,
      String field,
      String repository)
      throws IOException {
    int size = pageSizeCap;
    if (query.containsKey("n")) {
      try {
        size = Math.min(Integer.parseInt(query.get("n")), pageSizeCap);
      } catch (NumberFormatException e) {
        return error(exchange, 400, "PAGINATION_NUMBER_INVALID", "invalid n: " + query.get("n"));
      }
      if (size < 0) {
        return error(exchange, 400, "PAGINATION_NUMBER_INVALID", "negative n: " + size);
      }
    }
    String last = query.get("last");
    int start = 0;
    while (last != null && start < all.size() && all.get(start).compareTo(last) <= 0) {
      start++;
    }
    int end = (int) Math.min((long) start + size, all.size());
    List<String> page = all.subList(start, end);
    if (end < all.size() && !page.isEmpty()) {
      String next =
          path
              + "?n="
              + size
              + "&last="
              + URLEncoder.encode(page.get(page.size() - 1), StandardCharsets.UTF_8);
      String target = nextLinkBase == null ? next : nextLinkBase + next;
      exchange.getResponseHeaders().set("Link", "<" + target + ">; rel=\"next\"");
    }
    ObjectNode body = JSON.createObjectNode();
    if (repository != null) {
      body.put("name", repository);
    }
    ArrayNode items = body.putArray(field);
    page.forEach(items::add);
    return respond(exchange, 200, JSON.writeValueAsString(body));
  }

  private static Map<String, String> queryParameters(String rawQuery) {
    Map<String, String> parameters = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return parameters;
    }
    for (String parameter : rawQuery.split("&")) {
      String[] nameValue = parameter.split("=", 2);
      parameters.put(
          URLDecoder.decode(nameValue[0], StandardCharsets.UTF_8),
          nameValue.length == 2 ? URLDecoder.decode(nameValue[1], StandardCharsets.UTF_8) : "");
    }
    return parameters;
  }

  private int error(HttpExchange exchange, int status, String code, String message)
      throws IOException {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode error = body.putArray("errors").addObject();
    error.put("code", code);
    error.put("message", message);
    return respond(exchange, status, JSON.writeValueAsString(body));
  }

  private int respond(HttpExchange exchange, int status, String json) throws IOException {
    // Recorded before answering: the client's next request must not overtake this record.
    requests.add(
        new RecordedRequest(
            exchange.getRequestMethod(), (String) exchange.getAttribute(PATH_AND_QUERY), status));
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    return status;
  }
}
