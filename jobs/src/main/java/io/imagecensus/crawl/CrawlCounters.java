package io.imagecensus.crawl;

import java.io.Serializable;
import java.util.concurrent.atomic.LongAdder;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * Run-wide counters as Spark accumulators, so tasks on any executor add to them. Tasks count
 * into thread-safe local adders and add those to the accumulators once, when they finish.
 */
public final class CrawlCounters implements Serializable {
  public final LongAccumulator requests;
  public final LongAccumulator retries;
  public final LongAccumulator bytesDownloaded;
  public final LongAccumulator repositories;
  public final LongAccumulator tags;
  public final LongAccumulator manifestsFetched;
  /** Indexes the walk reached, fetched or stored: only their children make another level. */
  public final LongAccumulator indexesReached;
  /**
   * Config and layer digests of the image manifests fetched tonight, counted once per manifest
   * task: a bound on the blobs the blob wave reads, known without a pass over them.
   */
  public final LongAccumulator blobReferences;
  /** Config blobs the blob wave asked for, read or failed. */
  public final LongAccumulator configsRequested;
  public final LongAccumulator configsFetched;
  public final LongAccumulator layersMeasured;
  public final LongAccumulator errors;
  /** The lanes of the {@link TagFingerprint} of the tags read so far. */
  private final LongAccumulator[] tagLanes = new LongAccumulator[TagFingerprint.LANES];

  public CrawlCounters(SparkContext spark) {
    requests = spark.longAccumulator("requests");
    retries = spark.longAccumulator("retries");
    bytesDownloaded = spark.longAccumulator("bytes_downloaded");
    repositories = spark.longAccumulator("repositories");
    tags = spark.longAccumulator("tags");
    manifestsFetched = spark.longAccumulator("manifests_fetched");
    indexesReached = spark.longAccumulator("indexes_reached");
    blobReferences = spark.longAccumulator("blob_references");
    configsRequested = spark.longAccumulator("configs_requested");
    configsFetched = spark.longAccumulator("configs_fetched");
    layersMeasured = spark.longAccumulator("layers_measured");
    errors = spark.longAccumulator("errors");
    for (int i = 0; i < tagLanes.length; i++) {
      tagLanes[i] = spark.longAccumulator("tag_fingerprint_" + i);
    }
  }

  /** The {@link TagFingerprint} of every tag read so far, complete once the tag tasks finished. */
  public String tagFingerprint() {
    long[] lanes = new long[tagLanes.length];
    for (int i = 0; i < lanes.length; i++) {
      lanes[i] = tagLanes[i].value();
    }
    return TagFingerprint.format(tags.value(), lanes);
  }

  /** What one task counted; {@link #flush()} adds it to the run's accumulators. */
  final class TaskCounts implements RequestCounter {
    final LongAdder requestCount = new LongAdder();
    final LongAdder retryCount = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder repositoryCount = new LongAdder();
    final LongAdder tagCount = new LongAdder();
    final LongAdder manifestCount = new LongAdder();
    final LongAdder indexCount = new LongAdder();
    final LongAdder blobReferenceCount = new LongAdder();
    final LongAdder configRequestCount = new LongAdder();
    final LongAdder configCount = new LongAdder();
    final LongAdder layerCount = new LongAdder();
    final LongAdder errorCount = new LongAdder();
    private final LongAdder[] tagLaneSums = new LongAdder[TagFingerprint.LANES];

    TaskCounts() {
      for (int i = 0; i < tagLaneSums.length; i++) {
        tagLaneSums[i] = new LongAdder();
      }
    }

    @Override
    public void onRequest(long bytesReceived) {
      requestCount.increment();
      bytes.add(bytesReceived);
    }

    @Override
    public void onRetry() {
      retryCount.increment();
    }

    /** Counts one tag read and adds it to the fingerprint (the lanes wrap around, as they should). */
    void tagRead(String registry, String repository, String tag, String digest, String mediaType) {
      tagCount.increment();
      long[] lanes = TagFingerprint.of(registry, repository, tag, digest, mediaType);
      for (int i = 0; i < lanes.length; i++) {
        tagLaneSums[i].add(lanes[i]);
      }
    }

    void flush() {
      requests.add(requestCount.sum());
      retries.add(retryCount.sum());
      bytesDownloaded.add(bytes.sum());
      repositories.add(repositoryCount.sum());
      tags.add(tagCount.sum());
      manifestsFetched.add(manifestCount.sum());
      indexesReached.add(indexCount.sum());
      blobReferences.add(blobReferenceCount.sum());
      configsRequested.add(configRequestCount.sum());
      configsFetched.add(configCount.sum());
      layersMeasured.add(layerCount.sum());
      errors.add(errorCount.sum());
      for (int i = 0; i < tagLanes.length; i++) {
        tagLanes[i].add(tagLaneSums[i].sum());
      }
    }
  }

  TaskCounts newTask() {
    return new TaskCounts();
  }
}
