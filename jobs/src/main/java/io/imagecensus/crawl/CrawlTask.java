package io.imagecensus.crawl;

import io.imagecensus.config.CrawlSettings;
import io.imagecensus.config.RegistrySettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * The shared frame of the Spark tasks that talk to registries: everything a task needs travels
 * with it (settings, credentials, accumulators), so it runs the same on the driver in local mode
 * and on any executor of a cluster. Work inside a task runs on {@code concurrency} threads.
 */
abstract class CrawlTask implements MapPartitionsFunction<Row, Row> {
  private final Map<String, RegistrySettings> registries;
  private final Map<String, Credentials> credentials;
  private final CrawlSettings settings;
  private final CrawlCounters counters;

  CrawlTask(Map<String, RegistrySettings> registries, Map<String, Credentials> credentials,
      CrawlSettings settings, CrawlCounters counters) {
    this.registries = new HashMap<>(registries);
    this.credentials = new HashMap<>(credentials);
    this.settings = settings;
    this.counters = counters;
  }

  /** Crawls the partition's inputs; rows come back in input order. */
  abstract List<Row> crawl(List<Row> inputs, Context context);

  @Override
  public final Iterator<Row> call(Iterator<Row> input) {
    List<Row> inputs = new ArrayList<>();
    input.forEachRemaining(inputs::add);
    CrawlCounters.TaskCounts counts = counters.newTask();
    ExecutorService pool = Executors.newFixedThreadPool(settings.concurrency());
    try {
      return crawl(inputs, new Context(counts, pool)).iterator();
    } finally {
      pool.shutdownNow();
      counts.flush();
    }
  }

  /** What one running task has: its counters, clients and worker threads. */
  final class Context {
    final CrawlCounters.TaskCounts counts;
    private final ExecutorService pool;
    private final Map<String, RegistryClient> clients = new HashMap<>();

    Context(CrawlCounters.TaskCounts counts, ExecutorService pool) {
      this.counts = counts;
      this.pool = pool;
    }

    synchronized RegistryClient client(String registryName) {
      return clients.computeIfAbsent(registryName, name -> {
        RegistrySettings registry = registries.get(name);
        if (registry == null) {
          throw new IllegalArgumentException("no registry named '" + name + "' in the configuration");
        }
        return new RegistryClient(registry, settings, Optional.ofNullable(credentials.get(name)), counts);
      });
    }

    int pageSize() {
      return settings.pageSize();
    }

    /** Applies {@code work} to every item on the task's threads; results keep the items' order. */
    <T> List<Row> forEach(List<T> items, Function<T, List<Row>> work) {
      List<Future<List<Row>>> futures = new ArrayList<>();
      for (T item : items) {
        futures.add(pool.submit(() -> work.apply(item)));
      }
      List<Row> result = new ArrayList<>();
      for (Future<List<Row>> future : futures) {
        try {
          result.addAll(future.get());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("crawl task interrupted", e);
        } catch (ExecutionException e) {
          throw new IllegalStateException("crawl task failed: " + e.getCause().getMessage(), e.getCause());
        }
      }
      return result;
    }
  }
}
