package io.imagecensus.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The parts of an image config blob (Docker or OCI) that the census records. */
public record ImageConfigDocument(
    Instant created,
    String os,
    String architecture,
    String variant,
    String user,
    Map<String, String> labels,
    boolean hasHealthcheck,
    List<String> exposedPorts,
    List<String> diffIds,
    List<HistoryEntry> history) {

  /** One build step; {@code emptyLayer} steps (ENV, LABEL, USER…) add no layer. */
  public record HistoryEntry(String createdBy, boolean emptyLayer) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  public ImageConfigDocument {
    // Sorted by key: Map.copyOf iterates in an order salted per JVM, and these maps become map
    // columns that must come out the same on the driver and on every executor.
    labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    exposedPorts = List.copyOf(exposedPorts);
    diffIds = List.copyOf(diffIds);
    history = List.copyOf(history);
  }

  /** Parses a config blob; unknown fields are ignored. */
  public static ImageConfigDocument parse(byte[] bytes) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("image config is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("image config is not a JSON object");
    }
    JsonNode config = root.path("config");
    JsonNode healthcheck = config.path("Healthcheck").path("Test");
    boolean hasHealthcheck = healthcheck.isArray() && healthcheck.size() > 0
        && !"NONE".equals(healthcheck.get(0).asText());
    List<String> ports = new ArrayList<>();
    config.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
    ports.sort(null);
    List<String> diffIds = new ArrayList<>();
    root.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
    List<HistoryEntry> history = new ArrayList<>();
    root.path("history").forEach(h -> history.add(
        new HistoryEntry(ManifestDocument.text(h, "created_by"), h.path("empty_layer").asBoolean())));
    return new ImageConfigDocument(
        parseInstant(ManifestDocument.text(root, "created")),
        ManifestDocument.text(root, "os"),
        ManifestDocument.text(root, "architecture"),
        ManifestDocument.text(root, "variant"),
        ManifestDocument.text(config, "User"),
        ManifestDocument.stringMap(config.path("Labels")),
        hasHealthcheck,
        ports,
        diffIds,
        history);
  }

  /**
   * The {@code created_by} of the build step that made each layer: history entries marked
   * {@code empty_layer} made no layer, so the rest line up with the layers in order. Returns
   * nulls where the history is shorter than the layer list.
   */
  public List<String> createdByPerLayer(int layerCount) {
    List<String> result = new ArrayList<>();
    for (HistoryEntry entry : history) {
      if (!entry.emptyLayer()) {
        result.add(entry.createdBy());
      }
    }
    while (result.size() < layerCount) {
      result.add(null);
    }
    return result.subList(0, layerCount);
  }

  /**
   * True when the image runs as root: no user, or user 0 / root by name or id, with or without a
   * group ("0:0", "root:root", "0:1000").
   */
  public static boolean runsAsRoot(String user) {
    if (user == null || user.isBlank()) {
      return true;
    }
    String name = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
    return name.equals("0") || name.equals("root") || name.isBlank();
  }

  private static Instant parseInstant(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
