package io.imagecensus.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One analyst notebook under {@code notebooks/}, read as the JSON file it is, with the SQL its code
 * cells send to DuckDB.
 *
 * <p>The notebooks follow one convention so that their SQL can be run outside Python: a code cell
 * tagged {@code parameters} assigns plain literals ({@code WAREHOUSE = "../warehouse"}); SQL is sent
 * only as {@code con.sql("""...""")} (shown with {@code .df()} when it is a query) or as
 * {@code con.execute("...", [PARAMETER, ...])} binding parameters by position. Any other call on
 * {@code con} (an f-string, a variable) is refused, so no SQL escapes the test.
 */
record Notebook(String name, JsonNode json) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SQL_CALL = Pattern.compile("con\\.sql\\(\"\"\"(.*?)\"\"\"\\)(\\.df\\(\\))?", Pattern.DOTALL);
  private static final Pattern EXECUTE_CALL = Pattern.compile("con\\.execute\\(\"([^\"]*)\", \\[([A-Z_, ]*)]\\)");
  private static final Pattern ANY_CALL = Pattern.compile("con\\.\\w+\\(");
  private static final Pattern ASSIGNMENT = Pattern.compile("([A-Z][A-Z0-9_]*) = (\"[^\"\\\\]*\"|None|-?\\d+)(\\s+#.*)?");

  /** One statement of a notebook, in execution order; {@code shown} when the cell displays its rows. */
  record Statement(int cell, String cellId, String sql, List<String> parameters, boolean shown) {
    String label() {
      return "cell " + cell + " (" + cellId + ")";
    }
  }

  static Notebook read(Path file) throws IOException {
    return new Notebook(file.getFileName().toString(), JSON.readTree(file.toFile()));
  }

  /** Every {@code *.ipynb} in {@code folder}, sorted by name. */
  static List<Path> filesIn(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".ipynb")).sorted().toList();
    }
  }

  /** A cell's source: a string or a list of strings joined with nothing (nbformat's multiline string). */
  static String source(JsonNode cell) {
    JsonNode source = cell.path("source");
    if (source.isTextual()) {
      return source.asText();
    }
    StringBuilder text = new StringBuilder();
    source.forEach(line -> text.append(line.asText()));
    return text.toString();
  }

  /** The literals assigned in the cell tagged {@code parameters}, by name; Python's None is null. */
  Map<String, String> parameters() {
    List<JsonNode> cells = new ArrayList<>();
    json.path("cells").forEach(cell -> {
      for (JsonNode tag : cell.path("metadata").path("tags")) {
        if (tag.asText().equals("parameters")) {
          cells.add(cell);
        }
      }
    });
    if (cells.size() != 1) {
      throw new IllegalStateException(name + " must have exactly one cell tagged 'parameters' but has " + cells.size());
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String line : source(cells.get(0)).split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher assignment = ASSIGNMENT.matcher(line);
      if (!assignment.matches()) {
        throw new IllegalStateException(name + ": the parameters cell may only assign literals, not: " + line);
      }
      String value = assignment.group(2);
      parameters.put(assignment.group(1), value.equals("None") ? null : value.replace("\"", ""));
    }
    return parameters;
  }

  /** Every statement of every code cell, in order. */
  List<Statement> statements() {
    List<Statement> statements = new ArrayList<>();
    JsonNode cells = json.path("cells");
    for (int i = 0; i < cells.size(); i++) {
      JsonNode cell = cells.get(i);
      if (!cell.path("cell_type").asText().equals("code")) {
        continue;
      }
      statements.addAll(statementsOf(i, cell.path("id").asText(), source(cell)));
    }
    return statements;
  }

  private List<Statement> statementsOf(int index, String cellId, String code) {
    Map<Integer, Statement> byPosition = new TreeMap<>();
    Matcher sql = SQL_CALL.matcher(code);
    while (sql.find()) {
      byPosition.put(sql.start(), new Statement(index, cellId, sql.group(1).strip(), List.of(), sql.group(2) != null));
    }
    Matcher execute = EXECUTE_CALL.matcher(code);
    while (execute.find()) {
      List<String> names = List.of(execute.group(2).split(",\\s*"));
      byPosition.put(execute.start(), new Statement(index, cellId, execute.group(1), names, false));
    }
    long calls = ANY_CALL.matcher(code).results().count();
    if (calls != byPosition.size()) {
      throw new IllegalStateException(name + " cell " + index + " (" + cellId + ") calls con " + calls
          + " times but only " + byPosition.size() + " calls are con.sql(\"\"\"...\"\"\") or con.execute(\"...\", [PARAMETERS]);"
          + " write SQL as a plain triple-quoted literal so the test can run it");
    }
    return List.copyOf(byPosition.values());
  }
}
