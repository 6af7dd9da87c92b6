package io.imagecensus.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagecensus.config.CrawlSettings.LayerSizeFallback;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final String SOURCE = "test.yaml";

  /** A registry block every bad-input test can reuse unchanged. */
  private static final String ERP = """
      registries:
        - name: erp
          url: https://registry.erp.example
      """;
  private static final String COMPONENTS = """
      components:
        - {name: api-server, registry: erp, repositories: [erp/api-server]}
      """;

  private static CensusConfig parse(String yaml) {
    return ConfigLoader.parse(yaml, SOURCE);
  }

  private static String failure(String yaml) {
    try {
      parse(yaml);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a ConfigException for:\n" + yaml);
  }

  @Test
  void parsesAFullConfigurationIntoRecords() {
    CensusConfig config = parse("""
        warehouse: s3a://census/warehouse
        registries:
          - name: erp
            url: https://registry.erp.example/
            auth: {username-env: ERP_REGISTRY_USER, password-env: ERP_REGISTRY_PASSWORD}
          - name: local
            url: http://127.0.0.1:5000
            insecure: true
          - name: hub
            url: https://registry-1.docker.io
            auth: {docker-config: true}
        components:
          - {name: api-server, registry: erp, repositories: [erp/api-server]}
          - {name: workers, registry: local, repositories: [erp/celery-worker, "erp/flower-*"]}
        base-images:
          - {registry: hub, repository: library/python, tags: ["*-slim", "*-slim-bookworm"], family: slim}
          - {registry: local, repository: mirror/distroless-python, tags: ["*"], family: distroless}
        crawl: {concurrency: 4, timeout: 1500ms, retries: 0, page-size: 100, max-index-depth: 2, layer-size-fallback: none}
        analytics: {regression-threshold: 12.5%}
        """);

    assertThat(config).isEqualTo(new CensusConfig(
        "s3a://census/warehouse",
        List.of(
            new RegistrySettings("erp", URI.create("https://registry.erp.example"), false,
                new AuthSettings("ERP_REGISTRY_USER", "ERP_REGISTRY_PASSWORD", false)),
            new RegistrySettings("local", URI.create("http://127.0.0.1:5000"), true, AuthSettings.ANONYMOUS),
            new RegistrySettings("hub", URI.create("https://registry-1.docker.io"), false,
                new AuthSettings(null, null, true))),
        List.of(
            new ComponentSettings("api-server", "erp", List.of("erp/api-server")),
            new ComponentSettings("workers", "local", List.of("erp/celery-worker", "erp/flower-*"))),
        List.of(
            new BaseImageSettings("hub", "library/python", List.of("*-slim", "*-slim-bookworm"), "slim"),
            new BaseImageSettings("local", "mirror/distroless-python", List.of("*"), "distroless")),
        new CrawlSettings(4, Duration.ofMillis(1500), 0, 100, 2, LayerSizeFallback.NONE),
        new AnalyticsSettings(0.125)));
    assertThat(config.registries().get(1).host()).isEqualTo("127.0.0.1:5000");
    assertThat(config.registries().get(0).host()).isEqualTo("registry.erp.example");
  }

  @Test
  void omittedOptionalSectionsTakeTheDefaults() {
    CensusConfig config = parse("warehouse: file:warehouse\n" + ERP + COMPONENTS);

    assertThat(config.baseImages()).isEmpty();
    assertThat(config.crawl()).isEqualTo(
        new CrawlSettings(8, Duration.ofSeconds(20), 4, 1000, 4, LayerSizeFallback.STREAM));
    assertThat(config.crawl()).isEqualTo(CrawlSettings.DEFAULTS);
    assertThat(config.analytics()).isEqualTo(new AnalyticsSettings(0.10));
    assertThat(config.registries().get(0).auth()).isEqualTo(AuthSettings.ANONYMOUS);
  }

  @Test
  void maxErrorRateTakesAShareOrAPercentageAndRetentionAKeepCount() {
    CensusConfig config = parse("warehouse: w\n" + ERP + COMPONENTS
        + "crawl: {max-error-rate: 0.05}\nretention: {snapshots: 30}\n");

    assertThat(config.crawl().maxErrorRate()).isEqualTo(0.05);
    assertThat(config.retention()).isEqualTo(new RetentionSettings(30));
    assertThat(parse("warehouse: w\n" + ERP + COMPONENTS + "crawl: {max-error-rate: 2.5%}\n").crawl().maxErrorRate())
        .isEqualTo(0.025);
    assertThat(parse("warehouse: w\n" + ERP + COMPONENTS).retention()).isEqualTo(RetentionSettings.KEEP_ALL);
    assertThat(CrawlSettings.DEFAULTS.maxErrorRate()).isEqualTo(0.0);
  }

  @Test
  void aBadMaxErrorRateOrRetentionIsNamed() {
    assertThat(failure("warehouse: w\n" + ERP + COMPONENTS + "crawl: {max-error-rate: 1.5}\n")).isEqualTo(
        "test.yaml: crawl.max-error-rate: '1.5' is not a share; write a number from 0 to 1 such as 0.05, or 5%");
    assertThat(failure("warehouse: w\n" + ERP + COMPONENTS + "retention: {snapshots: 0}\n")).isEqualTo(
        "test.yaml: retention.snapshots: must be a whole number from 1 to 100000");
    assertThat(failure("warehouse: w\n" + ERP + COMPONENTS + "retention: {days: 3}\n")).isEqualTo(
        "test.yaml: retention.days: is not a known key; allowed here: snapshots");
  }

  @Test
  void durationsTakeEveryUnit() {
    assertThat(timeout("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(timeout("20s")).isEqualTo(Duration.ofSeconds(20));
    assertThat(timeout("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(timeout("1h")).isEqualTo(Duration.ofHours(1));
  }

  private static Duration timeout(String value) {
    return parse("warehouse: w\n" + ERP + COMPONENTS + "crawl: {timeout: " + value + "}\n").crawl().timeout();
  }

  @Test
  void loadsTheShippedConfiguration() {
    CensusConfig config = ConfigLoader.load(Path.of("..", "conf", "image-census.yaml"));

    assertThat(config.warehouse()).isEqualTo("file:warehouse");
    assertThat(config.registries()).containsExactly(
        new RegistrySettings("erp", URI.create("http://127.0.0.1:5000"), true, AuthSettings.ANONYMOUS));
    assertThat(config.components()).extracting(ComponentSettings::name)
        .containsExactly("api-server", "celery-worker", "flower", "redis");
    assertThat(config.baseImages()).contains(
        new BaseImageSettings("erp", "mirror/python", List.of("*-slim"), "slim"));
    assertThat(config.crawl()).isEqualTo(
        new CrawlSettings(8, Duration.ofSeconds(20), 4, 1000, 4, LayerSizeFallback.STREAM));
  }

  @Test
  void loadNamesAMissingFile(@TempDir Path dir) {
    Path missing = dir.resolve("nowhere.yaml");

    assertThatThrownBy(() -> ConfigLoader.load(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessage(missing + ": no such file; pass --config with the path of your image-census.yaml");
  }

  @Test
  void rejectsAnUnknownTopLevelKey() {
    assertThat(failure("warehouse: w\n" + ERP + COMPONENTS + "componets: []\n")).isEqualTo(
        "test.yaml: componets: is not a known key; allowed here: warehouse, registries, components, base-images, crawl, analytics, retention");
  }

  @Test
  void rejectsAnUnknownNestedKey() {
    assertThat(failure("""
        warehouse: w
        registries:
          - name: erp
            urll: https://registry.erp.example
        """ + COMPONENTS)).isEqualTo(
        "test.yaml: registries[0].urll: is not a known key; allowed here: name, url, insecure, auth");
  }

  @Test
  void rejectsAMissingWarehouse() {
    assertThat(failure(ERP + COMPONENTS)).isEqualTo("test.yaml: warehouse: is missing");
  }

  @Test
  void rejectsMissingOrEmptyRegistries() {
    assertThat(failure("warehouse: w\n" + COMPONENTS)).isEqualTo("test.yaml: registries: is missing");
    assertThat(failure("warehouse: w\nregistries: []\n" + COMPONENTS))
        .isEqualTo("test.yaml: registries: must be a non-empty list");
  }

  @Test
  void rejectsAStringThatIsNotAUrl() {
    assertThat(failure(registry("url: https://registry erp.example"))).isEqualTo(
        "test.yaml: registries[0].url: 'https://registry erp.example' is not a URL; write e.g. https://registry.example.com");
  }

  @Test
  void rejectsAUrlWithoutHttpSchemeOrHost() {
    assertThat(failure(registry("url: ftp://registry.erp.example"))).isEqualTo(
        "test.yaml: registries[0].url: 'ftp://registry.erp.example' is not an http(s) URL with a host; write e.g. https://registry.example.com");
    assertThat(failure(registry("url: registry.erp.example"))).isEqualTo(
        "test.yaml: registries[0].url: 'registry.erp.example' is not an http(s) URL with a host; write e.g. https://registry.example.com");
  }

  @Test
  void rejectsPlainHttpUnlessInsecure() {
    assertThat(failure(registry("url: http://127.0.0.1:5000"))).isEqualTo(
        "test.yaml: registries[0].url: 'http://127.0.0.1:5000' is plain http; use https, or set insecure: true for a registry you trust on a private network");
    assertThat(failure(registry("url: http://127.0.0.1:5000\n    insecure: false"))).isEqualTo(
        "test.yaml: registries[0].url: 'http://127.0.0.1:5000' is plain http; use https, or set insecure: true for a registry you trust on a private network");
  }

  @Test
  void rejectsCredentialsInTheUrlWithoutEchoingThem() {
    String message = failure(registry("url: https://bot:hunter2@registry.erp.example"));

    assertThat(message).isEqualTo(
        "test.yaml: registries[0].url: must not carry credentials; name environment variables under auth instead");
    assertThat(message).doesNotContain("hunter2");
  }

  @Test
  void rejectsAPasswordInTheConfigurationWithoutEchoingIt() {
    String message = failure(registry("url: https://registry.erp.example\n    auth: {username-env: ERP_USER, password: hunter2}"));

    assertThat(message).isEqualTo(
        "test.yaml: registries[0].auth.password: credentials never live in the configuration; use username-env and password-env naming environment variables");
    assertThat(message).doesNotContain("hunter2");
  }

  @Test
  void rejectsAUsernameEnvWithoutPasswordEnv() {
    assertThat(failure(registry("url: https://registry.erp.example\n    auth: {username-env: ERP_USER}"))).isEqualTo(
        "test.yaml: registries[0].auth.password-env: is missing; username-env and password-env go together");
    assertThat(failure(registry("url: https://registry.erp.example\n    auth: {password-env: ERP_PASSWORD}"))).isEqualTo(
        "test.yaml: registries[0].auth.username-env: is missing; username-env and password-env go together");
  }

  @Test
  void rejectsAComponentOfAnUnknownRegistry() {
    assertThat(failure("warehouse: w\n" + ERP + """
        components:
          - {name: api-server, registry: erp, repositories: [erp/api-server]}
          - {name: flower, registry: hub, repositories: [erp/flower]}
        """)).isEqualTo(
        "test.yaml: components[1].registry: 'hub' is not a registry named under registries; known: erp");
  }

  @Test
  void rejectsABadDuration() {
    assertThat(failure("warehouse: w\n" + ERP + COMPONENTS + "crawl: {timeout: 20x}\n")).isEqualTo(
        "test.yaml: crawl.timeout: '20x' is not a duration; write e.g. 500ms, 20s, 2m");
    assertThat(failure("warehouse: w\n" + ERP + COMPONENTS + "crawl: {timeout: 0s}\n")).isEqualTo(
        "test.yaml: crawl.timeout: '0s' is not a duration; write e.g. 500ms, 20s, 2m");
  }

  @Test
  void rejectsADurationTooLongToCount() {
    assertThat(failure("warehouse: w\n" + ERP + COMPONENTS + "crawl: {timeout: 99999999999999999999s}\n")).isEqualTo(
        "test.yaml: crawl.timeout: '99999999999999999999s' is not a duration; write e.g. 500ms, 20s, 2m");
  }

  @Test
  void rejectsZeroConcurrency() {
    assertThat(failure("warehouse: w\n" + ERP + COMPONENTS + "crawl: {concurrency: 0}\n")).isEqualTo(
        "test.yaml: crawl.concurrency: must be a whole number from 1 to 256");
  }

  @Test
  void rejectsAnUnknownLayerSizeFallback() {
    assertThat(failure("warehouse: w\n" + ERP + COMPONENTS + "crawl: {layer-size-fallback: STREAM}\n")).isEqualTo(
        "test.yaml: crawl.layer-size-fallback: 'STREAM' is not stream or none");
  }

  @Test
  void rejectsDuplicateRegistryNames() {
    assertThat(failure("""
        warehouse: w
        registries:
          - {name: erp, url: https://registry.erp.example}
          - {name: erp, url: https://mirror.erp.example}
        """ + COMPONENTS)).isEqualTo(
        "test.yaml: registries[1].name: 'erp' is used twice; give each registry its own name");
  }

  @Test
  void rejectsAnUnknownBaseImageFamily() {
    assertThat(failure("warehouse: w\n" + ERP + COMPONENTS + """
        base-images:
          - {registry: erp, repository: mirror/python, tags: ["*-slim"], family: tiny}
        """)).isEqualTo(
        "test.yaml: base-images[0].family: 'tiny' is not one of full, slim, alpine, distroless, scratch");
  }

  @Test
  void rejectsTextThatIsNotAMapping() {
    assertThat(failure("- just\n- a list\n")).isEqualTo(
        "test.yaml: must be a YAML mapping with keys warehouse, registries, components");
  }

  @Test
  void baseImageTagGlobsBecomeOneWholeTagRegex() {
    BaseImageSettings entry = new BaseImageSettings("erp", "mirror/python", List.of("3.11*", "latest"), "full");
    Pattern tags = Pattern.compile(entry.tagRegex());
    assertThat(List.of("3.11", "3.11-slim", "latest", "3.12", "xlatest", "latest2", "3a11"))
        .filteredOn(tag -> tags.matcher(tag).matches())
        .containsExactly("3.11", "3.11-slim", "latest");
  }

  private static String registry(String fields) {
    return "warehouse: w\nregistries:\n  - name: erp\n    " + fields + "\n" + COMPONENTS;
  }
}
