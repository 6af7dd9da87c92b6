package io.imagecensus.job;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The one way the job gets its SparkSession, with the settings its tables depend on. */
public final class SparkSessions {
  private SparkSessions() {}

  /**
   * Returns the active session or builds one; without a master from spark-submit it runs in
   * local mode on every core.
   */
  public static SparkSession getOrCreate() {
    SparkConf conf = new SparkConf(true);
    SparkSession.Builder builder = SparkSession.builder().appName("image-census");
    if (!conf.contains("spark.master")) {
      builder.master("local[*]");
    }
    if (conf.get("spark.master", "local[*]").startsWith("local")) {
      builder.config("spark.ui.enabled", "false")
          // Local mode: as many shuffle partitions as cores; the tables of one registry are small.
          .config("spark.sql.shuffle.partitions", String.valueOf(Runtime.getRuntime().availableProcessors()))
          .config("spark.driver.host", "127.0.0.1");
    }
    SparkSession spark = builder
        // Timestamps are written and read in UTC, so tables do not depend on the machine's zone.
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .getOrCreate();
    // Spark builds the session's SQL state (catalog, analyzer, function registry) on first use;
    // building it here keeps that start-up cost out of the first stage that queries.
    spark.sessionState();
    return spark;
  }
}
