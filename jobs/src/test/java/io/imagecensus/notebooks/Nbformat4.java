package io.imagecensus.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules of the nbformat 4 JSON schema (nbformat.v4.schema.json, up to v4.5) that a notebook
 * file must follow, checked on the parsed JSON; {@link #problems} lists every broken rule.
 */
final class Nbformat4 {
  private static final Set<String> TOP_LEVEL = Set.of("metadata", "nbformat_minor", "nbformat", "cells");
  private static final Set<String> CODE_CELL = Set.of("id", "cell_type", "metadata", "source", "outputs", "execution_count");
  private static final Set<String> TEXT_CELL = Set.of("id", "cell_type", "metadata", "source", "attachments");
  private static final Set<String> OUTPUT_TYPES = Set.of("execute_result", "display_data", "stream", "error");
  /** Cell ids arrived in v4.5: required from nbformat_minor 5 on, with this pattern and 1 to 64 characters. */
  private static final Pattern CELL_ID = Pattern.compile("[a-zA-Z0-9-_]{1,64}");
  private static final Pattern TAG = Pattern.compile("[^,]+");

  private Nbformat4() {}

  static List<String> problems(JsonNode notebook) {
    List<String> problems = new ArrayList<>();
    if (!notebook.isObject()) {
      return List.of("the notebook is not a JSON object");
    }
    onlyKnownKeys(notebook, TOP_LEVEL, TOP_LEVEL, "the notebook", problems);
    if (!notebook.path("nbformat").isInt() || notebook.path("nbformat").asInt() != 4) {
      problems.add("nbformat must be the integer 4 but is " + notebook.path("nbformat"));
    }
    JsonNode minor = notebook.path("nbformat_minor");
    if (!minor.isInt() || minor.asInt() < 0) {
      problems.add("nbformat_minor must be an integer >= 0 but is " + minor);
    }
    metadata(notebook.path("metadata"), problems);
    JsonNode cells = notebook.path("cells");
    if (!cells.isArray()) {
      problems.add("cells must be an array");
      return problems;
    }
    boolean idsRequired = minor.asInt() >= 5;
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < cells.size(); i++) {
      cell(cells.get(i), "cell " + i, idsRequired, ids, problems);
    }
    return problems;
  }

  private static void metadata(JsonNode metadata, List<String> problems) {
    if (!metadata.isObject()) {
      problems.add("metadata must be an object");
      return;
    }
    JsonNode kernelspec = metadata.path("kernelspec");
    if (!kernelspec.isObject()) {
      problems.add("metadata.kernelspec is missing: Jupyter would not know which kernel to start");
    } else {
      requireText(kernelspec, "name", "metadata.kernelspec", problems);
      requireText(kernelspec, "display_name", "metadata.kernelspec", problems);
    }
    JsonNode languageInfo = metadata.path("language_info");
    if (!languageInfo.isMissingNode()) {
      requireText(languageInfo, "name", "metadata.language_info", problems);
    }
  }

  private static void cell(JsonNode cell, String where, boolean idsRequired, Set<String> ids, List<String> problems) {
    if (!cell.isObject()) {
      problems.add(where + " is not an object");
      return;
    }
    String type = cell.path("cell_type").asText();
    switch (type) {
      case "code" -> {
        onlyKnownKeys(cell, CODE_CELL, required(CODE_CELL, idsRequired), where, problems);
        JsonNode count = cell.path("execution_count");
        if (cell.has("execution_count") && !count.isNull() && !(count.isInt() && count.asInt() >= 0)) {
          problems.add(where + ": execution_count must be null or an integer >= 0 but is " + count);
        }
        if (cell.has("outputs")) {
          outputs(cell.path("outputs"), where, problems);
        }
      }
      case "markdown", "raw" -> onlyKnownKeys(cell, TEXT_CELL,
          required(Set.of("id", "cell_type", "metadata", "source"), idsRequired), where, problems);
      default -> problems.add(where + ": cell_type must be code, markdown or raw but is '" + type + "'");
    }
    if (cell.has("id")) {
      String id = cell.path("id").asText();
      if (!cell.path("id").isTextual() || !CELL_ID.matcher(id).matches()) {
        problems.add(where + ": id must be 1 to 64 letters, digits, - or _ but is " + cell.path("id"));
      } else if (!ids.add(id)) {
        problems.add(where + ": id '" + id + "' is used by an earlier cell");
      }
    }
    if (!cell.path("metadata").isObject()) {
      problems.add(where + ": metadata must be an object");
    } else {
      tags(cell.path("metadata").path("tags"), where, problems);
    }
    multilineString(cell.path("source"), where + ": source", problems);
  }

  private static void outputs(JsonNode outputs, String where, List<String> problems) {
    if (!outputs.isArray()) {
      problems.add(where + ": outputs must be an array");
      return;
    }
    for (JsonNode output : outputs) {
      String type = output.path("output_type").asText();
      if (!OUTPUT_TYPES.contains(type)) {
        problems.add(where + ": output_type must be one of " + OUTPUT_TYPES + " but is '" + type + "'");
      }
    }
  }

  private static void tags(JsonNode tags, String where, List<String> problems) {
    if (tags.isMissingNode()) {
      return;
    }
    Set<String> seen = new HashSet<>();
    if (!tags.isArray()) {
      problems.add(where + ": metadata.tags must be an array");
      return;
    }
    for (JsonNode tag : tags) {
      if (!tag.isTextual() || !TAG.matcher(tag.asText()).matches() || !seen.add(tag.asText())) {
        problems.add(where + ": metadata.tags must be distinct strings without commas but has " + tag);
      }
    }
  }

  private static void multilineString(JsonNode text, String where, List<String> problems) {
    if (text.isTextual()) {
      return;
    }
    if (!text.isArray()) {
      problems.add(where + " must be a string or an array of strings");
      return;
    }
    for (JsonNode line : text) {
      if (!line.isTextual()) {
        problems.add(where + " must be a string or an array of strings but has " + line);
      }
    }
  }

  private static Set<String> required(Set<String> keys, boolean idsRequired) {
    Set<String> required = new HashSet<>(keys);
    required.remove("attachments");
    if (!idsRequired) {
      required.remove("id");
    }
    return required;
  }

  private static void onlyKnownKeys(JsonNode node, Set<String> allowed, Set<String> required, String where, List<String> problems) {
    for (String key : required) {
      if (!node.has(key)) {
        problems.add(where + " lacks the required key '" + key + "'");
      }
    }
    for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!allowed.contains(key)) {
        problems.add(where + " has the key '" + key + "', which nbformat 4 does not allow there");
      }
    }
  }

  private static void requireText(JsonNode node, String key, String where, List<String> problems) {
    if (!node.path(key).isTextual() || node.path(key).asText().isEmpty()) {
      problems.add(where + "." + key + " must be a non-empty string");
    }
  }
}
