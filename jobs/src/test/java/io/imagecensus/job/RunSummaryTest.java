package io.imagecensus.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class RunSummaryTest {
  private static RunSummary summary(String status, String message) {
    return new RunSummary("20261204T020000Z-1a2b3c4d", LocalDate.of(2026, 12, 4),
        Instant.parse("2026-12-04T02:00:00Z"), Instant.parse("2026-12-04T02:03:25.500Z"),
        status, "crawl", message, 6, 42, 97, 1234, 120, 30, 80, 17, 5_242_880, 2,
        RunSummary.errorRate(2, 6, 42), 180.24, 12.5, 9.0, stages(), "0.1.0", "file:/srv/census/warehouse", "42:" + "0123456789abcdef".repeat(4));
  }

  private static java.util.Map<String, Double> stages() {
    java.util.Map<String, Double> stages = new java.util.LinkedHashMap<>();
    stages.put("tags", 60.5);
    stages.put("write", 9.0);
    return stages;
  }

  @Test
  void jsonHasEveryFieldInOrder() {
    String json = summary("partial", null).toJson().replace(System.lineSeparator(), "\n");

    assertThat(json).isEqualTo("""
        {
          "run_id" : "20261204T020000Z-1a2b3c4d",
          "snapshot_date" : "2026-12-04",
          "started_at" : "2026-12-04T02:00:00Z",
          "finished_at" : "2026-12-04T02:03:25.500Z",
          "status" : "partial",
          "exit_code" : 3,
          "command" : "crawl",
          "message" : null,
          "repositories" : 6,
          "tags" : 42,
          "images" : 97,
          "requests" : 1234,
          "manifests_fetched" : 120,
          "manifests_reused" : 30,
          "configs_fetched" : 80,
          "configs_reused" : 17,
          "bytes_downloaded" : 5242880,
          "crawl_errors" : 2,
          "error_rate" : 0.041667,
          "crawl_seconds" : 180.24,
          "model_seconds" : 12.5,
          "write_seconds" : 9.0,
          "stage_seconds" : {
            "tags" : 60.5,
            "write" : 9.0
          },
          "version" : "0.1.0",
          "warehouse" : "file:/srv/census/warehouse",
          "tag_fingerprint" : "42:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        }""");
  }

  @Test
  void jsonEscapesTheMessage() {
    String json = summary("failed", "Tried to list \"erp\" but failed because: 401").toJson();

    assertThat(json).contains("\"message\" : \"Tried to list \\\"erp\\\" but failed because: 401\"");
  }

  @Test
  void errorRateIsErrorsPerRepositoryAndTagRoundedToSixDigits() {
    // 2 errors over 6 tag lists and 42 tags: 2 / 48 = 0.0416666...
    assertThat(RunSummary.errorRate(2, 6, 42)).isEqualTo(0.041667);
    assertThat(RunSummary.errorRate(0, 6, 42)).isEqualTo(0.0);
    assertThat(RunSummary.errorRate(1, 0, 0)).isEqualTo(1.0);
    assertThat(RunSummary.errorRate(0, 0, 0)).isEqualTo(0.0);
  }

  @Test
  void exitCodeFollowsTheStatus() {
    assertThat(summary("succeeded", null).exitCode()).isZero();
    assertThat(summary("partial", null).exitCode()).isEqualTo(3);
    assertThat(summary("failed", "boom").exitCode()).isEqualTo(1);
  }

  @Test
  void lineSaysWhatTheRunDid() {
    assertThat(summary("partial", null).line()).isEqualTo(
        "image-census crawl partial for 2026-12-04: 6 repositories, 42 tags, 97 images; 1234 requests, "
            + "manifests fetched 120 reused 30, configs fetched 80 reused 17, 2 crawl errors (rate 0.041667); "
            + "crawl 180.2s model 12.5s write 9.0s (tags 60.5s, write 9.0s); tables in file:/srv/census/warehouse");
  }
}
