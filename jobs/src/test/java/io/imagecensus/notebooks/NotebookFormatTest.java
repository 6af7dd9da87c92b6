package io.imagecensus.notebooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every notebook is a valid nbformat 4 file that Jupyter and papermill open, committed without outputs. */
class NotebookFormatTest {
  /** Surefire runs in the module folder {@code jobs/}. */
  static final Path NOTEBOOKS = Path.of("..", "notebooks");

  @Test
  void theFiveAnalystNotebooksArePresent() throws IOException {
    assertThat(Notebook.filesIn(NOTEBOOKS)).map(p -> p.getFileName().toString()).containsExactly(
        "base-image-adoption.ipynb", "dedup-and-shared-layers.ipynb", "posture.ipynb",
        "size-trends.ipynb", "worst-offenders.ipynb");
  }

  @TestFactory
  Stream<DynamicTest> everyNotebookIsValidNbformat4() throws IOException {
    return Notebook.filesIn(NOTEBOOKS).stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
      Notebook notebook = Notebook.read(file);
      assertThat(Nbformat4.problems(notebook.json())).as("nbformat 4 problems of %s", notebook.name()).isEmpty();
      assertThat(notebook.json().path("nbformat_minor").asInt()).isEqualTo(5);
      assertThat(notebook.json().path("metadata").path("kernelspec").path("name").asText()).isEqualTo("python3");
      notebook.json().path("cells").forEach(cell -> {
        if (cell.path("cell_type").asText().equals("code")) {
          assertThat(cell.path("outputs").size()).as("outputs of cell %s", cell.path("id")).isZero();
          assertThat(cell.path("execution_count").isNull()).as("execution_count of cell %s", cell.path("id")).isTrue();
        }
      });
      assertThat(notebook.json().path("cells").get(0).path("cell_type").asText()).as("the intro comes first").isEqualTo("markdown");
      assertThat(notebook.parameters()).containsOnlyKeys("WAREHOUSE", "SNAPSHOT_DATE")
          .containsEntry("WAREHOUSE", "../warehouse").containsEntry("SNAPSHOT_DATE", null);
      assertThat(notebook.statements()).filteredOn(Notebook.Statement::shown).hasSizeGreaterThanOrEqualTo(3);
    }));
  }

  @Test
  void theRulesCatchWhatTheSchemaForbids() throws IOException {
    String broken = """
        {"nbformat": 3, "nbformat_minor": 5, "metadata": {}, "extra": 1,
         "cells": [
           {"cell_type": "code", "id": "a", "metadata": {"tags": ["x", "x"]}, "source": "1"},
           {"cell_type": "markdown", "id": "a b", "metadata": {}, "source": ["ok", 3]},
           {"cell_type": "heading", "id": "c", "metadata": {}, "source": ""}]}
        """;
    assertThat(Nbformat4.problems(new ObjectMapper().readTree(broken))).containsExactlyInAnyOrder(
        "the notebook has the key 'extra', which nbformat 4 does not allow there",
        "nbformat must be the integer 4 but is 3",
        "metadata.kernelspec is missing: Jupyter would not know which kernel to start",
        "cell 0 lacks the required key 'outputs'",
        "cell 0 lacks the required key 'execution_count'",
        "cell 0: metadata.tags must be distinct strings without commas but has \"x\"",
        "cell 1: id must be 1 to 64 letters, digits, - or _ but is \"a b\"",
        "cell 1: source must be a string or an array of strings but has 3",
        "cell 2: cell_type must be code, markdown or raw but is 'heading'");
  }

  @Test
  void sqlOutsideTheConventionIsRefusedSoNoQueryEscapesTheTest() throws IOException {
    String notebook = """
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
         "cells": [{"cell_type": "code", "id": "q", "metadata": {}, "outputs": [], "execution_count": null,
                    "source": ["con.sql(\\"\\"\\"SELECT 1\\"\\"\\").df()\\n", "con.sql(f\\"SELECT {column} FROM images\\").df()"]}]}
        """;
    Notebook parsed = new Notebook("f-string.ipynb", new ObjectMapper().readTree(notebook));
    assertThatThrownBy(parsed::statements).hasMessageContaining("f-string.ipynb cell 0 (q) calls con 2 times but only 1 calls");
  }

  @Test
  void statementsComeInOrderWithTheirParameters() throws IOException {
    String notebook = """
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
         "cells": [{"cell_type": "code", "id": "setup", "metadata": {}, "outputs": [], "execution_count": null,
                    "source": "con.execute(\\"SET VARIABLE a = ?\\", [WAREHOUSE])\\ncon.sql(\\"\\"\\"\\nCREATE VIEW v AS SELECT 1\\n\\"\\"\\")\\ncon.sql(\\"\\"\\"SELECT * FROM v\\"\\"\\").df()"}]}
        """;
    List<Notebook.Statement> statements = new Notebook("n.ipynb", new ObjectMapper().readTree(notebook)).statements();
    assertThat(statements).containsExactly(
        new Notebook.Statement(0, "setup", "SET VARIABLE a = ?", List.of("WAREHOUSE"), false),
        new Notebook.Statement(0, "setup", "CREATE VIEW v AS SELECT 1", List.of(), false),
        new Notebook.Statement(0, "setup", "SELECT * FROM v", List.of(), true));
    assertThat(Set.copyOf(statements.stream().map(Notebook.Statement::label).toList())).containsExactly("cell 0 (setup)");
  }
}
