package io.imagecensus.job;

import io.imagecensus.crawl.CrawlCounters;
import io.imagecensus.crawl.RequestCounter;

/** Counts the driver's own requests (catalog listing) into the run's accumulators. */
final class DriverRequestCounter implements RequestCounter {
  private final CrawlCounters counters;

  DriverRequestCounter(CrawlCounters counters) {
    this.counters = counters;
  }

  @Override
  public synchronized void onRequest(long bytesReceived) {
    counters.requests.add(1);
    counters.bytesDownloaded.add(bytesReceived);
  }

  @Override
  public synchronized void onRetry() {
    counters.retries.add(1);
  }
}
