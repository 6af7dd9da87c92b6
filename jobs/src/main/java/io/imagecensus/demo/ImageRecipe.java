package io.imagecensus.demo;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A Dockerfile-like recipe: each instruction appends a history step (with or without a layer) and
 * changes the runtime config, so that history and layers line up the way real builders write them.
 */
final class ImageRecipe {

  private static final String CLASSIC_NOP = "/bin/sh -c #(nop) ";
  private static final String BUILDKIT_COMMENT = "buildkit.dockerfile.v0";

  private final Platform platform;
  private final BuildTool tool;
  private final String builtFrom;
  private final List<HistoryStep> history = new ArrayList<>();
  private final LinkedHashMap<String, String> env = new LinkedHashMap<>();
  private final TreeMap<String, String> labels = new TreeMap<>();
  private final TreeSet<String> exposedPorts = new TreeSet<>();
  private String user;
  private List<String> entrypoint;
  private List<String> cmd;
  private String workingDir;
  private Healthcheck healthcheck;
  private Instant at;

  private ImageRecipe(Platform platform, BuildTool tool, String builtFrom, RuntimeConfig base) {
    this.platform = platform;
    this.tool = tool;
    this.builtFrom = builtFrom;
    for (String entry : base.env()) {
      int equals = entry.indexOf('=');
      env.put(entry.substring(0, equals), entry.substring(equals + 1));
    }
    labels.putAll(base.labels());
    exposedPorts.addAll(base.exposedPorts());
    user = base.user();
    entrypoint = base.entrypoint();
    cmd = base.cmd();
    workingDir = base.workingDir();
    healthcheck = base.healthcheck();
  }

  /** A recipe starting from nothing (FROM scratch). */
  static ImageRecipe scratch(Platform platform, BuildTool tool) {
    return new ImageRecipe(platform, tool, null, RuntimeConfig.EMPTY);
  }

  /**
   * A recipe on top of {@code base}, inheriting its history, layers and runtime config; {@code
   * baseReference} is its estate name ("mirror/python:3.11-slim") or null if outside.
   */
  static ImageRecipe from(BuiltImage base, String baseReference, BuildTool tool) {
    ImageRecipe recipe = new ImageRecipe(base.platform(), tool, baseReference, base.runtime());
    recipe.history.addAll(base.history());
    return recipe;
  }

  /** Sets the time of the steps that follow. */
  ImageRecipe at(Instant time) {
    this.at = time;
    return this;
  }

  ImageRecipe run(String shellCommand, LayerTar layer) {
    return step(
        switch (tool) {
          case CLASSIC -> "/bin/sh -c " + shellCommand;
          case BUILDKIT -> "RUN /bin/sh -c " + shellCommand + " # buildkit";
          case BAZEL -> shellCommand;
        },
        layer);
  }

  /** COPY or ADD: {@code instruction} is e.g. "COPY . /app" or "ADD file:4f1e... in /". */
  ImageRecipe copy(String instruction, LayerTar layer) {
    return step(
        switch (tool) {
          case CLASSIC -> CLASSIC_NOP + instruction + " ";
          case BUILDKIT -> instruction + " # buildkit";
          case BAZEL -> instruction;
        },
        layer);
  }

  /** WORKDIR; old classic builders committed it as a layer, often the 32-byte empty one. */
  ImageRecipe workdir(String directory, LayerTar layerOrNull) {
    workingDir = directory;
    if (tool == BuildTool.BAZEL && layerOrNull == null) {
      // Bazel writes the runtime config without a history line for it.
      return this;
    }
    String instruction = "WORKDIR " + directory;
    return step(tool == BuildTool.CLASSIC ? CLASSIC_NOP + instruction : instruction, layerOrNull);
  }

  ImageRecipe env(String name, String value) {
    env.put(name, value);
    return metadata("ENV " + name + "=" + value);
  }

  ImageRecipe label(String name, String value) {
    labels.put(name, value);
    return metadata("LABEL " + name + "=" + value);
  }

  ImageRecipe user(String name) {
    user = name;
    return metadata("USER " + name);
  }

  ImageRecipe expose(String port) {
    exposedPorts.add(port);
    return metadata(
        tool == BuildTool.BUILDKIT
            ? "EXPOSE map[" + port + ":{}]"
            : "EXPOSE " + port.replace("/tcp", ""));
  }

  ImageRecipe entrypoint(String... command) {
    entrypoint = List.of(command);
    return metadata("ENTRYPOINT " + execForm(entrypoint));
  }

  ImageRecipe cmd(String... command) {
    cmd = List.of(command);
    return metadata("CMD " + execForm(cmd));
  }

  ImageRecipe healthcheck(Healthcheck check) {
    healthcheck = check;
    String test =
        check.test().stream().map(part -> '"' + part + '"').collect(Collectors.joining(" "));
    return metadata(
        "HEALTHCHECK &{["
            + test
            + "] \""
            + goDuration(check.interval())
            + "\" \""
            + goDuration(check.timeout())
            + "\" \"0s\" \"0s\" "
            + String.format("'\\x%02x'", check.retries())
            + "}");
  }

  /** A step written exactly as given, for builders without Dockerfile instructions. */
  ImageRecipe step(String createdBy, LayerTar layerOrNull) {
    if (at == null) {
      throw new IllegalStateException("Set the step time with at(...) before: " + createdBy);
    }
    history.add(
        new HistoryStep(
            at, createdBy, layerOrNull, tool == BuildTool.BUILDKIT ? BUILDKIT_COMMENT : null));
    return this;
  }

  /** The image as of the last step; it is created at the time of the last {@link #at}. */
  BuiltImage build() {
    List<String> envEntries = new ArrayList<>();
    for (Map.Entry<String, String> entry : env.entrySet()) {
      envEntries.add(entry.getKey() + "=" + entry.getValue());
    }
    RuntimeConfig runtime =
        new RuntimeConfig(
            user, envEntries, entrypoint, cmd, workingDir, labels, exposedPorts, healthcheck);
    return new BuiltImage(platform, at, history, runtime, tool, builtFrom);
  }

  private ImageRecipe metadata(String instruction) {
    if (tool == BuildTool.BAZEL) {
      // Bazel writes the runtime config without a history line for it.
      return this;
    }
    return step(tool == BuildTool.CLASSIC ? CLASSIC_NOP + " " + instruction : instruction, null);
  }

  private static String execForm(List<String> command) {
    return command.stream()
        .map(part -> '"' + part + '"')
        .collect(Collectors.joining(",", "[", "]"));
  }

  private static String goDuration(Duration duration) {
    return duration.toSeconds() + "s";
  }
}
