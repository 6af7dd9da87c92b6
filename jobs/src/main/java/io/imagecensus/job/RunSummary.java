package io.imagecensus.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one run did, as the {@code runs} table row, the closing log line and a JSON file. Status is
 * succeeded, partial (crawl error rate over {@code crawl.max-error-rate}), failed, or abandoned (a
 * run that died; recorded by the run that took over its lock). {@code tagFingerprint} is the
 * {@link io.imagecensus.crawl.TagFingerprint} of the tags a crawl read (null when it read none):
 * the next night compares its own with it (JSON only, not a column of {@code runs}).
 */
public record RunSummary(
    String runId,
    LocalDate snapshotDate,
    Instant startedAt,
    Instant finishedAt,
    String status,
    String command,
    String message,
    long repositories,
    long tags,
    long images,
    long requests,
    long manifestsFetched,
    long manifestsReused,
    long configsFetched,
    long configsReused,
    long bytesDownloaded,
    long crawlErrors,
    double errorRate,
    double crawlSeconds,
    double modelSeconds,
    double writeSeconds,
    Map<String, Double> stageSeconds,
    String version,
    String warehouse,
    String tagFingerprint) {

  /** The JSON field with the crawl errors of the snapshot the run committed. */
  static final String CRAWL_ERRORS_FIELD = "crawl_errors";
  /** The JSON field with the run's {@link io.imagecensus.crawl.TagFingerprint}. */
  static final String TAG_FINGERPRINT_FIELD = "tag_fingerprint";

  /** Exit code of a succeeded run. */
  public static final int SUCCEEDED_EXIT = 0;
  /** Exit code of a failed run. */
  public static final int FAILED_EXIT = 1;
  /** Exit code of a partial run: the tables were written, but too much of the registry could not be read. */
  public static final int PARTIAL_EXIT = 3;

  /** Crawl errors per thing read every night (each repository's tag list, each tag's manifest); 1 when nothing was read. */
  public static double errorRate(long crawlErrors, long repositories, long tags) {
    long read = repositories + tags;
    if (read == 0) {
      return crawlErrors == 0 ? 0 : 1;
    }
    return Math.round(crawlErrors * 1_000_000.0 / read) / 1_000_000.0;
  }

  /** The process exit code that tells a scheduler how the run went. */
  public int exitCode() {
    return switch (status) {
      case "succeeded" -> SUCCEEDED_EXIT;
      case "partial" -> PARTIAL_EXIT;
      default -> FAILED_EXIT;
    };
  }

  /** One line for logs and schedulers. */
  public String line() {
    return String.format(Locale.ROOT,
        "image-census %s %s for %s: %d repositories, %d tags, %d images; %d requests, manifests fetched %d reused %d, configs fetched %d reused %d, %d crawl errors (rate %s); crawl %.1fs model %.1fs write %.1fs (%s); tables in %s",
        command, status, snapshotDate, repositories, tags, images, requests, manifestsFetched,
        manifestsReused, configsFetched, configsReused, crawlErrors, BigDecimal.valueOf(errorRate).stripTrailingZeros().toPlainString(), crawlSeconds, modelSeconds,
        writeSeconds, stages(), warehouse);
  }

  private String stages() {
    StringBuilder text = new StringBuilder();
    stageSeconds.forEach((stage, seconds) -> text.append(text.isEmpty() ? "" : ", ")
        .append(stage).append(String.format(Locale.ROOT, " %.1fs", seconds)));
    return text.toString();
  }

  /** The summary as pretty JSON, for monitoring. */
  public String toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("run_id", runId);
    json.put("snapshot_date", snapshotDate.toString());
    json.put("started_at", startedAt.toString());
    json.put("finished_at", finishedAt.toString());
    json.put("status", status);
    json.put("exit_code", exitCode());
    json.put("command", command);
    json.put("message", message);
    json.put("repositories", repositories);
    json.put("tags", tags);
    json.put("images", images);
    json.put("requests", requests);
    json.put("manifests_fetched", manifestsFetched);
    json.put("manifests_reused", manifestsReused);
    json.put("configs_fetched", configsFetched);
    json.put("configs_reused", configsReused);
    json.put("bytes_downloaded", bytesDownloaded);
    json.put(CRAWL_ERRORS_FIELD, crawlErrors);
    json.put("error_rate", errorRate);
    json.put("crawl_seconds", crawlSeconds);
    json.put("model_seconds", modelSeconds);
    json.put("write_seconds", writeSeconds);
    json.put("stage_seconds", stageSeconds);
    json.put("version", version);
    json.put("warehouse", warehouse);
    json.put(TAG_FINGERPRINT_FIELD, tagFingerprint);
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json);
    } catch (Exception e) {
      throw new IllegalStateException("cannot write the run summary as JSON", e);
    }
  }
}
