package io.imagecensus.notebooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagecensus.demo.EstateImage;
import io.imagecensus.demo.EstateLayer;
import io.imagecensus.demo.EstateTruth;
import io.imagecensus.testing.RegistryExtension;
import io.imagecensus.testing.SampleWarehouse;
import io.imagecensus.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs every SQL statement of every notebook through DuckDB's JDBC driver against the warehouse of
 * a real run of the sample estate, in the notebook's order and with its parameters (the warehouse
 * path substituted): each query must run and return rows, and some return hand-checked values from
 * the estate's own truth. A notebook naming a column or table that no longer exists fails here.
 */
@ExtendWith(RegistryExtension.class)
class NotebookQueriesTest {
  /** Exact checks of some queries, by notebook and cell id: the rows against the estate's truth. */
  private static final Map<String, BiConsumer<List<Map<String, Object>>, Estate>> CHECKS = Map.of(
      "posture.ipynb#posture-by-component", NotebookQueriesTest::postureMatchesTheEstate,
      "dedup-and-shared-layers.ipynb#dedup-registry", NotebookQueriesTest::registryDedupMatchesTheEstate,
      "dedup-and-shared-layers.ipynb#dedup-components", NotebookQueriesTest::componentImagesMatchTheEstate,
      "worst-offenders.ipynb#largest-images", NotebookQueriesTest::largestImageMatchesTheEstate,
      "size-trends.ipynb#builds", NotebookQueriesTest::everyComponentBuildIsListed,
      "base-image-adoption.ipynb#adoption-tonight", NotebookQueriesTest::familiesCountEveryComponentImage);

  @TestFactory
  Stream<DynamicNode> everyNotebookQueryRunsOnARealWarehouse(TestRegistry registry) throws IOException {
    SampleWarehouse warehouse = SampleWarehouse.of(registry);
    Estate estate = new Estate(registry.truth());
    List<DynamicNode> notebooks = new ArrayList<>();
    for (Path file : Notebook.filesIn(NotebookFormatTest.NOTEBOOKS)) {
      Notebook notebook = Notebook.read(file);
      Map<String, String> parameters = new HashMap<>(notebook.parameters());
      parameters.put("WAREHOUSE", warehouse.root().toString());
      List<Notebook.Statement> statements = notebook.statements();
      List<DynamicTest> queries = new ArrayList<>();
      for (int i = 0; i < statements.size(); i++) {
        Notebook.Statement query = statements.get(i);
        if (!query.shown()) {
          continue;
        }
        List<Notebook.Statement> before = statements.subList(0, i).stream().filter(s -> !s.shown()).toList();
        queries.add(DynamicTest.dynamicTest(query.label(), () -> {
          List<Map<String, Object>> rows = run(notebook.name(), before, query, parameters);
          assertThat(rows).as("rows of %s %s:\n%s", notebook.name(), query.label(), query.sql()).isNotEmpty();
          BiConsumer<List<Map<String, Object>>, Estate> check = CHECKS.get(notebook.name() + "#" + query.cellId());
          if (check != null) {
            check.accept(rows, estate);
          }
        }));
      }
      notebooks.add(DynamicContainer.dynamicContainer(notebook.name(), queries));
    }
    return notebooks.stream();
  }

  @Test
  void theSetupFindsTheLatestNightAndTheWarehouse(TestRegistry registry) throws Exception {
    SampleWarehouse warehouse = SampleWarehouse.of(registry);
    for (Path file : Notebook.filesIn(NotebookFormatTest.NOTEBOOKS)) {
      Notebook notebook = Notebook.read(file);
      Map<String, String> parameters = new HashMap<>(notebook.parameters());
      parameters.put("WAREHOUSE", warehouse.root().toString());
      List<Notebook.Statement> statements = notebook.statements();
      Notebook.Statement first = statements.stream().filter(Notebook.Statement::shown).findFirst().orElseThrow();
      List<Notebook.Statement> before = statements.subList(0, statements.indexOf(first));

      List<Map<String, Object>> rows = run(notebook.name(), before, first, parameters);

      assertThat(first.cellId()).as(notebook.name()).isEqualTo("setup");
      assertThat(rows).as(notebook.name()).hasSize(1);
      assertThat(rows.get(0).get("warehouse")).isEqualTo(warehouse.root().toString());
      assertThat(rows.get(0).get("night").toString()).isEqualTo(SampleWarehouse.NIGHT.toString());
    }
  }

  @Test
  void everyExactCheckNamesAQueryThatExists() throws IOException {
    List<String> queries = new ArrayList<>();
    for (Path file : Notebook.filesIn(NotebookFormatTest.NOTEBOOKS)) {
      Notebook notebook = Notebook.read(file);
      notebook.statements().stream().filter(Notebook.Statement::shown)
          .forEach(s -> queries.add(notebook.name() + "#" + s.cellId()));
    }
    assertThat(queries).doesNotHaveDuplicates().containsAll(CHECKS.keySet());
  }

  /** Runs the statements before the query on a fresh in-memory DuckDB, then the query; its rows by column. */
  private static List<Map<String, Object>> run(String notebook, List<Notebook.Statement> before, Notebook.Statement query,
      Map<String, String> parameters) throws SQLException {
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
      for (Notebook.Statement statement : before) {
        try (PreparedStatement prepared = prepare(duck, statement, parameters)) {
          prepared.execute();
        } catch (SQLException e) {
          throw new AssertionError(failure(notebook, statement, e), e);
        }
      }
      try {
        return rows(duck, query, parameters);
      } catch (SQLException e) {
        throw new AssertionError(failure(notebook, query, e), e);
      }
    }
  }

  private static String failure(String notebook, Notebook.Statement statement, SQLException e) {
    return "Tried to run " + notebook + " " + statement.label() + " on the sample warehouse but DuckDB said: "
        + e.getMessage() + "\n" + statement.sql();
  }

  private static List<Map<String, Object>> rows(Connection duck, Notebook.Statement query, Map<String, String> parameters)
      throws SQLException {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (PreparedStatement prepared = prepare(duck, query, parameters);
        ResultSet result = prepared.executeQuery()) {
      ResultSetMetaData columns = result.getMetaData();
      while (result.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int c = 1; c <= columns.getColumnCount(); c++) {
          row.put(columns.getColumnLabel(c), result.getObject(c));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  private static PreparedStatement prepare(Connection duck, Notebook.Statement statement, Map<String, String> parameters)
      throws SQLException {
    PreparedStatement prepared = duck.prepareStatement(statement.sql());
    for (int p = 0; p < statement.parameters().size(); p++) {
      String name = statement.parameters().get(p);
      assertThat(parameters).as("parameters bound by %s", statement.label()).containsKey(name);
      prepared.setObject(p + 1, parameters.get(name));
    }
    return prepared;
  }

  private static void postureMatchesTheEstate(List<Map<String, Object>> rows, Estate estate) {
    List<List<Object>> expected = new ArrayList<>();
    estate.imagesByComponent().forEach((component, images) -> {
      long nonRoot = images.stream().filter(i -> !i.runsAsRoot()).count();
      long healthchecked = images.stream().filter(EstateImage::hasHealthcheck).count();
      expected.add(List.of(component, (long) images.size(),
          round(nonRoot / (double) images.size(), 3), round(healthchecked / (double) images.size(), 3)));
    });
    assertThat(rows).map(r -> List.of(r.get("component"), r.get("images"), r.get("non_root_share"), r.get("healthcheck_share")))
        .containsExactlyElementsOf(expected);
  }

  private static void registryDedupMatchesTheEstate(List<Map<String, Object>> rows, Estate estate) {
    Map<String, EstateImage> images = estate.distinctImages(estate.truth().images());
    long logical = images.values().stream().mapToLong(EstateImage::compressedBytes).sum();
    Map<String, Long> layers = new HashMap<>();
    images.values().forEach(i -> i.layers().forEach(l -> layers.put(l.digest(), l.compressedSize())));
    long unique = layers.values().stream().mapToLong(Long::longValue).sum();
    List<Object> expected = List.of("erp", (long) images.size(), (long) layers.size(), logical, unique, round(logical / (double) unique, 2));
    assertThat(rows).map(r -> List.of(r.get("registry"), r.get("images"), r.get("layers"), r.get("logical_bytes"),
            r.get("unique_bytes"), r.get("dedup_ratio")))
        .containsExactly(expected, expected);
    assertThat(rows).map(r -> r.get("scope")).containsExactly("stored", "tagged");
  }

  private static void componentImagesMatchTheEstate(List<Map<String, Object>> rows, Estate estate) {
    Map<String, Long> expected = new TreeMap<>();
    estate.imagesByComponent().forEach((component, images) -> expected.put(component, (long) images.size()));
    expected.put("(base catalogue)", (long) estate.distinctImages(estate.truth().images().stream()
        .filter(i -> Estate.componentOf(i.repository()) == null).toList()).size());
    Map<String, Object> actual = new TreeMap<>();
    rows.forEach(r -> actual.put((String) r.get("component"), r.get("images")));
    assertThat(actual).isEqualTo(expected);
  }

  private static void largestImageMatchesTheEstate(List<Map<String, Object>> rows, Estate estate) {
    List<EstateImage> images = estate.imagesByComponent().values().stream().flatMap(List::stream)
        .sorted(Comparator.comparingLong(EstateImage::compressedBytes).reversed()).toList();
    EstateImage largest = images.get(0);
    assertThat(rows).hasSize(Math.min(20, images.size()));
    assertThat(rows.get(0).get("image")).isEqualTo(largest.digest().substring(7, 19));
    assertThat(rows.get(0).get("compressed_bytes")).isEqualTo(largest.compressedBytes());
    assertThat(rows.get(0).get("layer_count")).isEqualTo(largest.layerCount());
  }

  private static void everyComponentBuildIsListed(List<Map<String, Object>> rows, Estate estate) {
    long builds = estate.truth().images().stream()
        .filter(i -> Estate.componentOf(i.repository()) != null)
        .map(i -> i.repository() + "@" + i.digest()).distinct().count();
    assertThat(rows).hasSize((int) builds);
  }

  private static void familiesCountEveryComponentImage(List<Map<String, Object>> rows, Estate estate) {
    Map<String, Long> expected = new TreeMap<>();
    estate.imagesByComponent().forEach((component, images) -> expected.put(component, (long) images.size()));
    Map<String, Long> actual = new TreeMap<>();
    rows.forEach(r -> actual.merge((String) r.get("component"), (Long) r.get("images"), Long::sum));
    assertThat(actual).isEqualTo(expected);
  }

  private static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }

  /** The sample estate's images grouped the way the analytics count them. */
  record Estate(EstateTruth truth) {
    /** The component of an estate repository: erp/api-server belongs to api-server; mirror/* to none. */
    static String componentOf(String repository) {
      return repository.startsWith("erp/") ? repository.substring("erp/".length()) : null;
    }

    /** Each image digest once. */
    Map<String, EstateImage> distinctImages(List<EstateImage> images) {
      Map<String, EstateImage> distinct = new LinkedHashMap<>();
      images.forEach(i -> distinct.putIfAbsent(i.digest(), i));
      return distinct;
    }

    /** Each component's distinct images, components sorted by name. */
    Map<String, List<EstateImage>> imagesByComponent() {
      Map<String, List<EstateImage>> byComponent = new TreeMap<>();
      truth.images().stream().filter(i -> componentOf(i.repository()) != null)
          .forEach(i -> byComponent.computeIfAbsent(componentOf(i.repository()), c -> new ArrayList<>()).add(i));
      byComponent.replaceAll((component, images) -> List.copyOf(distinctImages(images).values()));
      return byComponent;
    }
  }
}
