package io.imagecensus.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;

/** A built image before it is pushed: its config bytes and the layers its history made. */
final class BuiltImage {

  private final Platform platform;
  private final Instant created;
  private final List<HistoryStep> history;
  private final RuntimeConfig runtime;
  private final BuildTool tool;
  private final String builtFrom;
  private final byte[] config;
  private final String configDigest;

  BuiltImage(
      Platform platform,
      Instant created,
      List<HistoryStep> history,
      RuntimeConfig runtime,
      BuildTool tool,
      String builtFrom) {
    this.platform = platform;
    this.created = created;
    this.history = List.copyOf(history);
    this.runtime = runtime;
    this.tool = tool;
    this.builtFrom = builtFrom;
    if (layerSteps().isEmpty()) {
      throw new IllegalArgumentException(
          "An image needs at least one layer, built from " + builtFrom);
    }
    this.config = Json.compact(configJson());
    this.configDigest = Sha256.digestOf(config);
  }

  Platform platform() {
    return platform;
  }

  Instant created() {
    return created;
  }

  List<HistoryStep> history() {
    return history;
  }

  RuntimeConfig runtime() {
    return runtime;
  }

  BuildTool tool() {
    return tool;
  }

  String builtFrom() {
    return builtFrom;
  }

  byte[] config() {
    return config.clone();
  }

  String configDigest() {
    return configDigest;
  }

  /** The history steps that made a layer, in layer order. */
  List<HistoryStep> layerSteps() {
    return history.stream().filter(step -> !step.emptyLayer()).toList();
  }

  private ObjectNode configJson() {
    ObjectNode root = Json.object();
    root.put("architecture", platform.architecture());
    root.set("config", runtimeJson());
    root.put("created", created.toString());
    if (tool == BuildTool.CLASSIC) {
      root.put("docker_version", "20.10.24");
    }
    ArrayNode historyJson = root.putArray("history");
    for (HistoryStep step : history) {
      ObjectNode entry = historyJson.addObject();
      entry.put("created", step.created().toString());
      entry.put("created_by", step.createdBy());
      if (step.comment() != null) {
        entry.put("comment", step.comment());
      }
      if (step.emptyLayer()) {
        entry.put("empty_layer", true);
      }
    }
    root.put("os", platform.os());
    ObjectNode rootfs = root.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    layerSteps().forEach(step -> diffIds.add(step.layer().diffId()));
    if (platform.variant() != null) {
      root.put("variant", platform.variant());
    }
    return root;
  }

  private ObjectNode runtimeJson() {
    ObjectNode config = Json.object();
    config.put("User", runtime.user());
    if (!runtime.exposedPorts().isEmpty()) {
      ObjectNode ports = config.putObject("ExposedPorts");
      runtime.exposedPorts().forEach(ports::putObject);
    }
    ArrayNode env = config.putArray("Env");
    runtime.env().forEach(env::add);
    if (runtime.entrypoint() != null) {
      ArrayNode entrypoint = config.putArray("Entrypoint");
      runtime.entrypoint().forEach(entrypoint::add);
    }
    if (runtime.cmd() != null) {
      ArrayNode cmd = config.putArray("Cmd");
      runtime.cmd().forEach(cmd::add);
    }
    if (runtime.healthcheck() != null) {
      Healthcheck healthcheck = runtime.healthcheck();
      ObjectNode json = config.putObject("Healthcheck");
      ArrayNode test = json.putArray("Test");
      healthcheck.test().forEach(test::add);
      json.put("Interval", healthcheck.interval().toNanos());
      json.put("Timeout", healthcheck.timeout().toNanos());
      json.put("Retries", healthcheck.retries());
    }
    config.put("WorkingDir", runtime.workingDir());
    if (!runtime.labels().isEmpty()) {
      ObjectNode labels = config.putObject("Labels");
      runtime.labels().forEach(labels::put);
    } else if (tool == BuildTool.CLASSIC) {
      // The classic builder writes "Labels": null; consumers must read it as "no labels".
      config.putNull("Labels");
    }
    return config;
  }
}
