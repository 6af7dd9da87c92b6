package io.imagecensus.compare;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;

/**
 * Writes a {@link Comparison} for people (text for a CI log, Markdown for a pull-request comment)
 * and for pipelines (JSON with stable snake_case field names). Sizes are decimal: 1 MB is 10^6 bytes.
 */
final class ComparisonReport {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT).enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
  private static final int STEP_WIDTH = 100;

  private final Comparison c;

  ComparisonReport(Comparison comparison) {
    this.c = comparison;
  }

  /** The last line of every format: passed or failed, by how much, against which limit. */
  String verdict() {
    String measure = c.measure().label() + " size";
    String change = (c.growth() == null ? "from 0 bytes" : "by " + percent(c.growth()))
        + String.format(Locale.ROOT, " (%+,d B)", c.deltaBytes());
    return c.passed()
        ? "PASSED: " + measure + " changed " + change + "; the limit is " + limit()
        : "FAILED: " + measure + " grew " + change + ", over the limit of " + limit();
  }

  String text() {
    StringBuilder out = new StringBuilder();
    out.append("image-census compare: ").append(c.measure().label()).append(" size, growth limit ").append(limit()).append("\n\n");
    out.append(imageLine("A", c.a())).append(imageLine("B", c.b())).append('\n');
    String row = "%-13s %-26s %-26s %s%n";
    out.append(String.format(Locale.ROOT, row, "", "A", "B", "change"));
    out.append(String.format(Locale.ROOT, row, "compressed", bytes(c.a().compressedBytes()), bytes(c.b().compressedBytes()),
        change(c.a().compressedBytes(), c.b().compressedBytes())));
    out.append(String.format(Locale.ROOT, row, "uncompressed", bytes(c.a().uncompressedBytes()), bytes(c.b().uncompressedBytes()),
        uncompressedChange()));
    out.append(String.format(Locale.ROOT, row, "layers", c.a().layers().size(), c.b().layers().size(),
        signed(c.b().layers().size() - c.a().layers().size())));
    out.append(String.format(Locale.ROOT, "%-13s %s -> %s: %s%n", "base", c.baseA().describe(), c.baseB().describe(), baseChange()));
    out.append(String.format(Locale.ROOT, "%-13s %s base, %s app (compressed)%n", "", signedBytes(c.baseDeltaBytes()),
        signedBytes(c.appDeltaBytes())));
    out.append(String.format(Locale.ROOT, "%-13s %s -> %s: %s%n", "user", user(c.a()), user(c.b()), userChange()));
    out.append("\nLayers (B in order, then those only A had):\n");
    String layerRow = "%-8s %-5s %-12s %-26s %-26s %s%n";
    out.append(String.format(Locale.ROOT, layerRow, "change", "part", "layer", "compressed", "uncompressed", "created_by"));
    for (LayerChange layer : c.layers()) {
      out.append(String.format(Locale.ROOT, layerRow, layer.change().label(), layer.part(), shortDigest(layer.layer().digest()),
          bytes(layer.layer().compressedBytes()), bytes(layer.layer().uncompressedBytes()), step(layer.layer().createdBy())));
    }
    return out.append('\n').append(verdict()).append('\n').toString();
  }

  String markdown() {
    StringBuilder out = new StringBuilder();
    out.append("### Image size: ").append(c.passed() ? "passed" : "**failed**").append("\n\n");
    out.append(verdict()).append("\n\n");
    out.append("| | A | B | change |\n| --- | --- | --- | --- |\n");
    out.append("| image | `").append(c.a().reference()).append("` | `").append(c.b().reference()).append("` | |\n");
    out.append("| compressed | ").append(bytes(c.a().compressedBytes())).append(" | ").append(bytes(c.b().compressedBytes()))
        .append(" | ").append(change(c.a().compressedBytes(), c.b().compressedBytes())).append(" |\n");
    out.append("| uncompressed | ").append(bytes(c.a().uncompressedBytes())).append(" | ").append(bytes(c.b().uncompressedBytes()))
        .append(" | ").append(uncompressedChange()).append(" |\n");
    out.append("| layers | ").append(c.a().layers().size()).append(" | ").append(c.b().layers().size()).append(" | ")
        .append(signed(c.b().layers().size() - c.a().layers().size())).append(" |\n");
    out.append("| base | ").append(cell(c.baseA().describe())).append(" | ").append(cell(c.baseB().describe())).append(" | ")
        .append(baseChange()).append("; ").append(signedBytes(c.baseDeltaBytes())).append(" base, ")
        .append(signedBytes(c.appDeltaBytes())).append(" app |\n");
    out.append("| user | ").append(cell(user(c.a()))).append(" | ").append(cell(user(c.b()))).append(" | ").append(userChange()).append(" |\n\n");
    out.append("<details><summary>Layers: ").append(count(LayerChange.Change.KEPT)).append(" kept, ")
        .append(count(LayerChange.Change.ADDED)).append(" added, ").append(count(LayerChange.Change.REMOVED))
        .append(" removed</summary>\n\n");
    out.append("| change | part | layer | compressed | uncompressed | created_by |\n| --- | --- | --- | ---: | ---: | --- |\n");
    for (LayerChange layer : c.layers()) {
      out.append("| ").append(layer.change().label()).append(" | ").append(layer.part()).append(" | `")
          .append(shortDigest(layer.layer().digest())).append("` | ").append(bytes(layer.layer().compressedBytes())).append(" | ")
          .append(bytes(layer.layer().uncompressedBytes())).append(" | ").append(cell(step(layer.layer().createdBy()))).append(" |\n");
    }
    return out.append("\n</details>\n").toString();
  }

  String json() {
    ObjectNode root = JSON.createObjectNode();
    root.put("passed", c.passed());
    root.put("measure", c.measure().label());
    root.put("max_growth_percent", c.maxGrowth().movePointRight(2).stripTrailingZeros());
    root.put("growth_percent", c.growth() == null ? null : c.growth().movePointRight(2).setScale(2, RoundingMode.HALF_EVEN));
    root.put("delta_bytes", c.deltaBytes());
    root.set("a", image(c.a(), c.baseA()));
    root.set("b", image(c.b(), c.baseB()));
    ObjectNode delta = root.putObject("delta");
    delta.put("compressed_bytes", c.b().compressedBytes() - c.a().compressedBytes());
    Long uncompressedA = c.a().uncompressedBytes();
    Long uncompressedB = c.b().uncompressedBytes();
    delta.put("uncompressed_bytes", uncompressedA == null || uncompressedB == null ? null : uncompressedB - uncompressedA);
    delta.put("layer_count", c.b().layers().size() - c.a().layers().size());
    delta.put("base_compressed_bytes", c.baseDeltaBytes());
    delta.put("app_compressed_bytes", c.appDeltaBytes());
    root.put("base_changed", c.baseChanged());
    root.put("user_change", c.userChange());
    ArrayNode layers = root.putArray("layers");
    for (LayerChange change : c.layers()) {
      ObjectNode node = layers.addObject();
      node.put("change", change.change().label());
      node.put("part", change.part());
      node.put("position_a", change.positionA());
      node.put("position_b", change.positionB());
      node.put("digest", change.layer().digest());
      node.put("diff_id", change.layer().diffId());
      node.put("media_type", change.layer().mediaType());
      node.put("compressed_bytes", change.layer().compressedBytes());
      node.put("uncompressed_bytes", change.layer().uncompressedBytes());
      node.put("created_by", change.layer().createdBy());
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of plain values always serializes", e);
    }
  }

  private ObjectNode image(ComparedImage image, Base base) {
    ObjectNode node = JSON.createObjectNode();
    node.put("reference", image.reference().toString());
    node.put("registry", image.reference().host());
    node.put("repository", image.reference().repository());
    node.put("tag", image.reference().tag());
    node.put("digest", image.digest());
    node.put("index_digest", image.indexDigest());
    node.put("platform", CompareCommand.platformName(image.platform()));
    node.put("created", image.created() == null ? null : image.created().toString());
    node.put("user", image.user());
    node.put("runs_as_root", image.runsAsRoot());
    node.put("layer_count", image.layers().size());
    node.put("compressed_bytes", image.compressedBytes());
    node.put("uncompressed_bytes", image.uncompressedBytes());
    ObjectNode baseNode = node.putObject("base");
    baseNode.put("rule", base.rule().label());
    baseNode.put("name", base.name());
    baseNode.put("digest", base.digest());
    baseNode.put("family", base.family());
    baseNode.put("layers", base.layers());
    baseNode.put("compressed_bytes", Comparison.baseBytes(image, base));
    return node;
  }

  private String imageLine(String side, ComparedImage image) {
    String picked = image.indexDigest() == null ? ""
        : ", picked from index " + shortDigest(image.indexDigest()) + " for --platform";
    return side + "  " + image.reference() + "\n   " + image.digest() + "  " + CompareCommand.platformName(image.platform())
        + picked + (image.created() == null ? "" : ", created " + image.created()) + "\n";
  }

  private String uncompressedChange() {
    Long a = c.a().uncompressedBytes();
    Long b = c.b().uncompressedBytes();
    return a == null || b == null ? "unknown" : change(a, b);
  }

  private String baseChange() {
    Boolean changed = c.baseChanged();
    return changed == null ? "not named on both sides" : changed ? "changed" : "unchanged";
  }

  private String userChange() {
    return switch (c.userChange()) {
      case "root_to_non_root" -> "root -> non-root";
      case "non_root_to_root" -> "non-root -> root";
      default -> c.a().runsAsRoot() ? "unchanged (root)" : "unchanged (non-root)";
    };
  }

  private long count(LayerChange.Change change) {
    return c.layers().stream().filter(l -> l.change() == change).count();
  }

  private String limit() {
    return "+" + c.maxGrowth().movePointRight(2).stripTrailingZeros().toPlainString() + " %";
  }

  private static String user(ComparedImage image) {
    return image.user().isEmpty() ? "root (no USER)" : image.user();
  }

  /** "-199,536 B (-199.5 kB, -38.9 %)": the change in bytes, for people, and relative to before. */
  static String change(long before, long after) {
    long delta = after - before;
    String exact = String.format(Locale.ROOT, "%+,d B", delta);
    List<String> notes = new java.util.ArrayList<>();
    if (Math.abs(delta) >= 1000) {
      notes.add((delta > 0 ? "+" : "") + human(delta));
    }
    if (before != 0) {
      notes.add(percent(BigDecimal.valueOf(delta).divide(BigDecimal.valueOf(before), 10, RoundingMode.HALF_EVEN)));
    }
    return notes.isEmpty() ? exact : exact + " (" + String.join(", ", notes) + ")";
  }

  /** A fraction as a signed percentage with one decimal: "+12.5 %", "-63.0 %". */
  static String percent(BigDecimal fraction) {
    BigDecimal value = fraction.movePointRight(2).setScale(1, RoundingMode.HALF_EVEN);
    return (value.signum() > 0 ? "+" : "") + value.toPlainString() + " %";
  }

  /** Exact bytes and, from 1 kB on, the size for people: "1,234,567 B (1.2 MB)". */
  static String bytes(Long value) {
    if (value == null) {
      return "unknown";
    }
    String exact = String.format(Locale.ROOT, "%,d B", value);
    return Math.abs(value) < 1000 ? exact : exact + " (" + human(value) + ")";
  }

  static String signedBytes(long value) {
    String exact = String.format(Locale.ROOT, "%+,d B", value);
    return Math.abs(value) < 1000 ? exact : exact + " (" + (value > 0 ? "+" : "") + human(value) + ")";
  }

  private static String human(long value) {
    String[] units = {"kB", "MB", "GB", "TB"};
    double scaled = value / 1000.0;
    int unit = 0;
    while (Math.abs(scaled) >= 1000 && unit < units.length - 1) {
      scaled /= 1000;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", scaled, units[unit]);
  }

  private static String signed(int value) {
    return (value > 0 ? "+" : "") + value;
  }

  private static String shortDigest(String digest) {
    int colon = digest.indexOf(':');
    return digest.substring(colon + 1, Math.min(digest.length(), colon + 13));
  }

  /** A build step on one line, cut to a readable width; the full text is in the JSON. */
  private static String step(String createdBy) {
    if (createdBy == null) {
      return "";
    }
    String line = createdBy.replaceAll("\\s+", " ").trim();
    return line.length() <= STEP_WIDTH ? line : line.substring(0, STEP_WIDTH - 1) + "…";
  }

  /** Text safe inside a Markdown table cell. */
  private static String cell(String text) {
    return text.replace("|", "\\|").replace("<", "&lt;");
  }

  static List<String> formats() {
    return List.of("text", "markdown", "json");
  }
}
