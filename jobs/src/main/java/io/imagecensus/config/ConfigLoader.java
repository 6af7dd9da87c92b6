package io.imagecensus.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the YAML configuration strictly: an unknown key, a missing key, a bad URL or plain
 * {@code http://} without {@code insecure: true} fails at start with one line naming the key.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** At most 9 digits, so the amount always fits a long and a Duration. */
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
  private static final Pattern PERCENT = Pattern.compile("(\\d{1,3}(?:\\.\\d+)?)%");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");

  private final String source;

  private ConfigLoader(String source) {
    this.source = source;
  }

  /** Loads and validates the file. */
  public static CensusConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such file; pass --config with the path of your image-census.yaml");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot be read: " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  /** Parses and validates YAML text; {@code source} names it in error messages. */
  public static CensusConfig parse(String yaml, String source) {
    ConfigLoader loader = new ConfigLoader(source);
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException(source + ": not valid YAML: " + e.getOriginalMessage().replace('\n', ' '));
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException(source + ": must be a YAML mapping with keys warehouse, registries, components");
    }
    return loader.census(root);
  }

  private CensusConfig census(JsonNode root) {
    allowOnly(root, "", "warehouse", "registries", "components", "base-images", "crawl", "analytics", "retention");
    String warehouse = requiredText(root, "", "warehouse");
    List<RegistrySettings> registries = list(root, "", "registries", true, this::registry);
    Set<String> names = new HashSet<>();
    for (int i = 0; i < registries.size(); i++) {
      if (!names.add(registries.get(i).name())) {
        throw fail("registries[" + i + "].name", "'" + registries.get(i).name() + "' is used twice; give each registry its own name");
      }
    }
    List<ComponentSettings> components = list(root, "", "components", true, this::component);
    for (int i = 0; i < components.size(); i++) {
      requireRegistry(names, "components[" + i + "].registry", components.get(i).registry());
    }
    List<BaseImageSettings> bases = list(root, "", "base-images", false, this::baseImage);
    for (int i = 0; i < bases.size(); i++) {
      requireRegistry(names, "base-images[" + i + "].registry", bases.get(i).registry());
    }
    CrawlSettings crawl = root.has("crawl") ? crawl(root.get("crawl"), "crawl") : CrawlSettings.DEFAULTS;
    AnalyticsSettings analytics = root.has("analytics") ? analytics(root.get("analytics"), "analytics") : AnalyticsSettings.DEFAULTS;
    RetentionSettings retention = RetentionSettings.KEEP_ALL;
    if (root.has("retention")) {
      requireObject(root.get("retention"), "retention");
      allowOnly(root.get("retention"), "retention", "snapshots");
      retention = new RetentionSettings(integer(root.get("retention"), "retention", "snapshots", 0, 1, 100_000));
    }
    return new CensusConfig(warehouse, registries, components, bases, crawl, analytics, retention);
  }

  private RegistrySettings registry(JsonNode node, String path) {
    allowOnly(node, path, "name", "url", "insecure", "auth");
    String name = name(node, path, "name");
    String urlText = requiredText(node, path, "url");
    URI url;
    try {
      url = new URI(urlText);
    } catch (URISyntaxException e) {
      throw fail(key(path, "url"), "'" + urlText + "' is not a URL; write e.g. https://registry.example.com");
    }
    String scheme = url.getScheme();
    if (!"https".equals(scheme) && !"http".equals(scheme) || url.getHost() == null) {
      throw fail(key(path, "url"), "'" + urlText + "' is not an http(s) URL with a host; write e.g. https://registry.example.com");
    }
    if (url.getUserInfo() != null) {
      throw fail(key(path, "url"), "must not carry credentials; name environment variables under auth instead");
    }
    boolean insecure = bool(node, path, "insecure", false);
    if ("http".equals(scheme) && !insecure) {
      throw fail(key(path, "url"), "'" + urlText + "' is plain http; use https, or set insecure: true for a registry you trust on a private network");
    }
    AuthSettings auth = node.has("auth") ? auth(node.get("auth"), key(path, "auth")) : AuthSettings.ANONYMOUS;
    String trimmed = urlText.endsWith("/") ? urlText.substring(0, urlText.length() - 1) : urlText;
    return new RegistrySettings(name, URI.create(trimmed), insecure, auth);
  }

  private AuthSettings auth(JsonNode node, String path) {
    requireObject(node, path);
    allowOnly(node, path, "username-env", "password-env", "docker-config", "username", "password");
    if (node.has("username") || node.has("password")) {
      throw fail(key(path, node.has("password") ? "password" : "username"),
          "credentials never live in the configuration; use username-env and password-env naming environment variables");
    }
    String userEnv = optionalText(node, path, "username-env");
    String passwordEnv = optionalText(node, path, "password-env");
    boolean dockerConfig = bool(node, path, "docker-config", false);
    if ((userEnv == null) != (passwordEnv == null)) {
      throw fail(key(path, userEnv == null ? "username-env" : "password-env"), "is missing; username-env and password-env go together");
    }
    if (userEnv != null && dockerConfig) {
      throw fail(key(path, "docker-config"), "cannot be combined with username-env/password-env; choose one");
    }
    return new AuthSettings(userEnv, passwordEnv, dockerConfig);
  }

  private ComponentSettings component(JsonNode node, String path) {
    allowOnly(node, path, "name", "registry", "repositories");
    String name = name(node, path, "name");
    String registry = requiredText(node, path, "registry");
    List<String> repositories = textList(node, path, "repositories");
    for (int i = 0; i < repositories.size(); i++) {
      requireRepository(key(path, "repositories") + "[" + i + "]", repositories.get(i));
    }
    return new ComponentSettings(name, registry, repositories);
  }

  private BaseImageSettings baseImage(JsonNode node, String path) {
    allowOnly(node, path, "registry", "repository", "tags", "family");
    String registry = requiredText(node, path, "registry");
    String repository = requiredText(node, path, "repository");
    requireRepository(key(path, "repository"), repository);
    List<String> tags = textList(node, path, "tags");
    String family = requiredText(node, path, "family");
    if (!Set.of("full", "slim", "alpine", "distroless", "scratch").contains(family)) {
      throw fail(key(path, "family"), "'" + family + "' is not one of full, slim, alpine, distroless, scratch");
    }
    return new BaseImageSettings(registry, repository, tags, family);
  }

  private CrawlSettings crawl(JsonNode node, String path) {
    requireObject(node, path);
    allowOnly(node, path, "concurrency", "timeout", "retries", "page-size", "max-index-depth", "layer-size-fallback",
        "max-error-rate");
    CrawlSettings d = CrawlSettings.DEFAULTS;
    int concurrency = integer(node, path, "concurrency", d.concurrency(), 1, 256);
    Duration timeout = node.has("timeout") ? duration(node, path, "timeout") : d.timeout();
    int retries = integer(node, path, "retries", d.retries(), 0, 20);
    int pageSize = integer(node, path, "page-size", d.pageSize(), 1, 10_000);
    int depth = integer(node, path, "max-index-depth", d.maxIndexDepth(), 1, 16);
    CrawlSettings.LayerSizeFallback fallback = d.layerSizeFallback();
    String fallbackText = optionalText(node, path, "layer-size-fallback");
    if (fallbackText != null) {
      if (!fallbackText.equals("stream") && !fallbackText.equals("none")) {
        throw fail(key(path, "layer-size-fallback"), "'" + fallbackText + "' is not stream or none");
      }
      fallback = CrawlSettings.LayerSizeFallback.valueOf(fallbackText.toUpperCase(java.util.Locale.ROOT));
    }
    double maxErrorRate = node.has("max-error-rate") ? fraction(node, path, "max-error-rate") : d.maxErrorRate();
    return new CrawlSettings(concurrency, timeout, retries, pageSize, depth, fallback, maxErrorRate);
  }

  private AnalyticsSettings analytics(JsonNode node, String path) {
    requireObject(node, path);
    allowOnly(node, path, "regression-threshold");
    double threshold = AnalyticsSettings.DEFAULTS.regressionThreshold();
    String text = optionalText(node, path, "regression-threshold");
    if (text != null) {
      Matcher m = PERCENT.matcher(text.trim());
      if (!m.matches()) {
        throw fail(key(path, "regression-threshold"), "'" + text + "' is not a percentage; write e.g. 10%");
      }
      threshold = Double.parseDouble(m.group(1)) / 100.0;
    }
    return new AnalyticsSettings(threshold);
  }

  private void requireRegistry(Set<String> names, String key, String registry) {
    if (!names.contains(registry)) {
      throw fail(key, "'" + registry + "' is not a registry named under registries; known: " + String.join(", ", names.stream().sorted().toList()));
    }
  }

  private void requireRepository(String key, String repository) {
    if (!repository.matches("[a-z0-9*][a-z0-9._/*-]*") || repository.endsWith("/")) {
      throw fail(key, "'" + repository + "' is not a repository name (lower-case path such as erp/api-server, * allowed as a glob)");
    }
  }

  private <T> List<T> list(JsonNode node, String path, String field, boolean required,
      BiFunction<JsonNode, String, T> reader) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw fail(key(path, field), "is missing");
      }
      return List.of();
    }
    if (!value.isArray() || (required && value.isEmpty())) {
      throw fail(key(path, field), required ? "must be a non-empty list" : "must be a list");
    }
    List<T> result = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      String itemPath = key(path, field) + "[" + i + "]";
      requireObject(value.get(i), itemPath);
      result.add(reader.apply(value.get(i), itemPath));
    }
    return result;
  }

  private List<String> textList(JsonNode node, String path, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isArray() || value.isEmpty()) {
      throw fail(key(path, field), value == null ? "is missing" : "must be a non-empty list of strings");
    }
    List<String> result = new ArrayList<>();
    for (JsonNode item : value) {
      if (!item.isTextual() || item.asText().isBlank()) {
        throw fail(key(path, field), "must be a list of non-empty strings");
      }
      result.add(item.asText());
    }
    return result;
  }

  private void allowOnly(JsonNode node, String path, String... keys) {
    Set<String> allowed = Set.of(keys);
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw fail(key(path, name), "is not a known key; allowed here: " + String.join(", ", keys));
      }
    }
  }

  private String name(JsonNode node, String path, String field) {
    String value = requiredText(node, path, field);
    if (!NAME.matcher(value).matches()) {
      throw fail(key(path, field), "'" + value + "' must be lower-case letters, digits, '.', '_' or '-'");
    }
    return value;
  }

  private String requiredText(JsonNode node, String path, String field) {
    String value = optionalText(node, path, field);
    if (value == null || value.isBlank()) {
      throw fail(key(path, field), "is missing");
    }
    return value;
  }

  private String optionalText(JsonNode node, String path, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isValueNode()) {
      throw fail(key(path, field), "must be a single value");
    }
    return value.asText();
  }

  private boolean bool(JsonNode node, String path, String field, boolean fallback) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isBoolean()) {
      throw fail(key(path, field), "must be true or false");
    }
    return value.asBoolean();
  }

  private int integer(JsonNode node, String path, String field, int fallback, int min, int max) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isInt() || value.asInt() < min || value.asInt() > max) {
      throw fail(key(path, field), "must be a whole number from " + min + " to " + max);
    }
    return value.asInt();
  }

  /** A share written as a number from 0 to 1 (0.05) or as a percentage (5%). */
  private double fraction(JsonNode node, String path, String field) {
    JsonNode value = node.get(field);
    if (value.isNumber() && value.asDouble() >= 0 && value.asDouble() <= 1) {
      return value.asDouble();
    }
    Matcher m = PERCENT.matcher(value.asText().trim());
    if (value.isTextual() && m.matches() && Double.parseDouble(m.group(1)) <= 100) {
      return Double.parseDouble(m.group(1)) / 100.0;
    }
    throw fail(key(path, field), "'" + value.asText() + "' is not a share; write a number from 0 to 1 such as 0.05, or 5%");
  }

  private Duration duration(JsonNode node, String path, String field) {
    String text = node.get(field).asText();
    Matcher m = DURATION.matcher(text);
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw fail(key(path, field), "'" + text + "' is not a duration; write e.g. 500ms, 20s, 2m");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }

  private void requireObject(JsonNode node, String path) {
    if (!node.isObject()) {
      throw fail(path, "must be a mapping of keys to values");
    }
  }

  private ConfigException fail(String key, String problem) {
    return new ConfigException(source + ": " + key + ": " + problem);
  }

  private static String key(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }
}
