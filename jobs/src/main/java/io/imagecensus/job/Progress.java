package io.imagecensus.job;

import io.imagecensus.crawl.CrawlCounters;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Prints a progress line every few seconds while a run crawls: stage, repositories, tags,
 * manifests and configs fetched, requests per second, errors. Counts arrive as tasks finish.
 */
final class Progress implements AutoCloseable {
  private final CrawlCounters counters;
  private final PrintStream out;
  private final long startNanos = System.nanoTime();
  private final ScheduledExecutorService timer;
  private volatile String stage = "starting";
  private long stageStartNanos = System.nanoTime();
  private final Map<String, Double> stageSeconds = new LinkedHashMap<>();

  Progress(CrawlCounters counters, PrintStream out, long intervalSeconds) {
    this.counters = counters;
    this.out = out;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "image-census-progress");
      thread.setDaemon(true);
      return thread;
    });
    timer.scheduleAtFixedRate(() -> out.println(line()), intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
  }

  synchronized void stage(String name) {
    long now = System.nanoTime();
    if (!stage.equals("starting")) {
      stageSeconds.merge(stage, Math.round((now - stageStartNanos) / 1e7) / 100.0, Double::sum);
    }
    stage = name;
    stageStartNanos = now;
  }

  /** Prints one line about the crawl between the progress lines. */
  void note(String message) {
    out.println("crawl " + message);
  }

  /** Seconds spent in each stage so far, in stage order; ends the current stage. */
  synchronized Map<String, Double> stageSeconds() {
    stage("finished");
    return new LinkedHashMap<>(stageSeconds);
  }

  String line() {
    double seconds = Math.max(0.001, (System.nanoTime() - startNanos) / 1e9);
    return String.format(Locale.ROOT,
        "crawl %-12s %6.1fs  repositories %d  tags %d  manifests fetched %d  configs fetched %d  requests %d (%.0f/s)  retries %d  errors %d",
        stage, seconds, counters.repositories.value(), counters.tags.value(),
        counters.manifestsFetched.value(), counters.configsFetched.value(),
        counters.requests.value(), counters.requests.value() / seconds, counters.retries.value(),
        counters.errors.value());
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
