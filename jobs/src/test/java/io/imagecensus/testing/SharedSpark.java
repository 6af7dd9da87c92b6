package io.imagecensus.testing;

import io.imagecensus.job.SparkSessions;
import org.apache.spark.sql.SparkSession;

/** The one local SparkSession of a test JVM: starting Spark takes seconds, so tests share it. */
public final class SharedSpark {
  private static SparkSession session;

  private SharedSpark() {}

  public static synchronized SparkSession get() {
    if (session == null) {
      System.setProperty("spark.master", "local[2]");
      session = SparkSessions.getOrCreate();
      Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
    }
    return session;
  }
}
