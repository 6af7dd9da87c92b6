package io.imagecensus.crawl;

import io.imagecensus.config.BaseImageSettings;
import io.imagecensus.config.CensusConfig;
import io.imagecensus.config.ComponentSettings;
import io.imagecensus.config.RegistrySettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Decides which repositories a run crawls: those each component lists, globs such as
 * {@code erp/*} expanded through the registry's catalog, and the base-image catalogue's
 * repositories (with no component). Runs on the driver; the list is small.
 */
public final class RepositoryTargets {
  /** Rows of {@link CrawlRecord#REPOSITORY_TARGET} plus catalog errors as {@link CrawlRecord} rows. */
  public record Result(List<Row> targets, List<Row> errors) {}

  private RepositoryTargets() {}

  public static Result resolve(CensusConfig config, Map<String, Credentials> credentials, RequestCounter counter) {
    Map<String, List<String>> catalogs = new HashMap<>();
    Map<String, Row> targets = new LinkedHashMap<>();
    List<Row> errors = new ArrayList<>();
    for (ComponentSettings component : config.components()) {
      for (String repository : component.repositories()) {
        List<String> names = List.of(repository);
        if (repository.contains("*")) {
          Optional<List<String>> catalog = catalog(config, component.registry(), credentials, counter, catalogs, errors);
          if (catalog.isEmpty()) {
            continue;
          }
          names = catalog.get().stream().filter(glob(repository).asMatchPredicate()).toList();
        }
        for (String name : names) {
          targets.putIfAbsent(component.registry() + "/" + name, RowFactory.create(component.registry(), name, component.name()));
        }
      }
    }
    for (BaseImageSettings base : config.baseImages()) {
      targets.putIfAbsent(base.registry() + "/" + base.repository(), RowFactory.create(base.registry(), base.repository(), null));
    }
    List<Row> sorted = new ArrayList<>(targets.values());
    sorted.sort((a, b) -> (a.getString(0) + "/" + a.getString(1)).compareTo(b.getString(0) + "/" + b.getString(1)));
    return new Result(sorted, errors);
  }

  private static Optional<List<String>> catalog(CensusConfig config, String registryName,
      Map<String, Credentials> credentials, RequestCounter counter, Map<String, List<String>> cache, List<Row> errors) {
    if (cache.containsKey(registryName)) {
      return Optional.ofNullable(cache.get(registryName));
    }
    RegistrySettings registry = config.registry(registryName).orElseThrow();
    RegistryClient client = new RegistryClient(registry, config.crawl(), Optional.ofNullable(credentials.get(registryName)), counter);
    try {
      List<String> names = new CatalogPager(client, config.crawl().pageSize()).list();
      cache.put(registryName, names);
      return Optional.of(names);
    } catch (RegistryException e) {
      cache.put(registryName, null);
      errors.add(CrawlRecord.error(registryName, null, null, "_catalog", "catalog", e.httpStatus(), e.getMessage()));
      return Optional.empty();
    }
  }

  /** A repository glob: {@code *} matches within one path segment, {@code **} across segments. */
  static Pattern glob(String glob) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        regex.append(".*");
        i++;
      } else if (c == '*') {
        regex.append("[^/]*");
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }
}
