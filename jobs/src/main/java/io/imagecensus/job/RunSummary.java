package io.imagecensus.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What one run did, as the {@code runs} table row, the closing log line and a JSON file. */
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
    double crawlSeconds,
    double modelSeconds,
    double writeSeconds,
    Map<String, Double> stageSeconds,
    String version,
    String warehouse) {

  /** One line for logs and schedulers. */
  public String line() {
    return String.format(Locale.ROOT,
        "image-census %s %s for %s: %d repositories, %d tags, %d images; %d requests, manifests fetched %d reused %d, configs fetched %d reused %d, %d crawl errors; crawl %.1fs model %.1fs write %.1fs (%s); tables in %s",
        command, status, snapshotDate, repositories, tags, images, requests, manifestsFetched,
        manifestsReused, configsFetched, configsReused, crawlErrors, crawlSeconds, modelSeconds,
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
    json.put("crawl_errors", crawlErrors);
    json.put("crawl_seconds", crawlSeconds);
    json.put("model_seconds", modelSeconds);
    json.put("write_seconds", writeSeconds);
    json.put("stage_seconds", stageSeconds);
    json.put("version", version);
    json.put("warehouse", warehouse);
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json);
    } catch (Exception e) {
      throw new IllegalStateException("cannot write the run summary as JSON", e);
    }
  }
}
