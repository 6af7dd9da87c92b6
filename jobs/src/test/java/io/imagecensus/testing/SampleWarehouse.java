package io.imagecensus.testing;

import io.imagecensus.config.CensusConfig;
import io.imagecensus.config.ConfigLoader;
import io.imagecensus.job.CensusRun;
import io.imagecensus.job.RunSummary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;

/**
 * A warehouse written by one real {@code image-census run} of the sample estate on the shared
 * anonymous {@link TestRegistry}, made once per test JVM for the tests that read a finished
 * warehouse (report, notebooks). Tests must not change it.
 */
public final class SampleWarehouse {
  /** The snapshot date of the run. */
  public static final LocalDate NIGHT = LocalDate.of(2026, 12, 4);

  private static SampleWarehouse instance;

  private final Path configFile;
  private final CensusConfig config;
  private final Path root;
  private final RunSummary summary;

  private SampleWarehouse(Path configFile, CensusConfig config, Path root, RunSummary summary) {
    this.configFile = configFile;
    this.config = config;
    this.root = root;
    this.summary = summary;
  }

  /** The warehouse of the sample estate on {@code registry}, written on first use. */
  public static synchronized SampleWarehouse of(TestRegistry registry) {
    if (instance == null) {
      try {
        instance = write(registry);
      } catch (IOException e) {
        throw new UncheckedIOException("Tried to write the sample warehouse but failed", e);
      }
    }
    return instance;
  }

  private static SampleWarehouse write(TestRegistry registry) throws IOException {
    Path dir = Files.createTempDirectory("sample-warehouse");
    Path root = dir.resolve("warehouse");
    Path configFile = dir.resolve("image-census.yaml");
    Files.writeString(configFile, config(root, registry.baseUrl()));
    CensusConfig config = ConfigLoader.load(configFile);
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    RunSummary summary = new CensusRun(SharedSpark.get(), config, Map.of(), quiet).run(NIGHT);
    return new SampleWarehouse(configFile, config, root, summary);
  }

  /** The configuration the sample estate is crawled with: its four components and base catalogue. */
  public static String config(Path warehouse, String registryUrl) {
    return """
        warehouse: %s
        registries:
          - {name: erp, url: "%s", insecure: true}
        components:
          - {name: api-server, registry: erp, repositories: [erp/api-server]}
          - {name: celery-worker, registry: erp, repositories: [erp/celery-worker]}
          - {name: flower, registry: erp, repositories: [erp/flower]}
          - {name: redis, registry: erp, repositories: [erp/redis]}
        base-images:
          - {registry: erp, repository: mirror/debian, tags: ["bookworm"], family: full}
          - {registry: erp, repository: mirror/debian, tags: ["*-slim"], family: slim}
          - {registry: erp, repository: mirror/python, tags: ["3.11"], family: full}
          - {registry: erp, repository: mirror/python, tags: ["*-slim"], family: slim}
          - {registry: erp, repository: mirror/python, tags: ["*-alpine"], family: alpine}
          - {registry: erp, repository: mirror/distroless-python, tags: ["*"], family: distroless}
        crawl: {concurrency: 4, timeout: 10s, retries: 2}
        """.formatted(warehouse.toUri(), registryUrl);
  }

  /** The YAML file the run used. */
  public Path configFile() {
    return configFile;
  }

  public CensusConfig config() {
    return config;
  }

  /** The warehouse root directory. */
  public Path root() {
    return root;
  }

  /** The run's summary. */
  public RunSummary summary() {
    return summary;
  }
}
