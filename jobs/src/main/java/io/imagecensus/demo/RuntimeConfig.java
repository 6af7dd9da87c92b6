package io.imagecensus.demo;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/** The "config" object of an image config: how a container of the image runs. */
record RuntimeConfig(
    String user,
    List<String> env,
    List<String> entrypoint,
    List<String> cmd,
    String workingDir,
    SortedMap<String, String> labels,
    SortedSet<String> exposedPorts,
    Healthcheck healthcheck) {

  static final RuntimeConfig EMPTY =
      new RuntimeConfig("", List.of(), null, null, "", new TreeMap<>(), new TreeSet<>(), null);

  RuntimeConfig {
    if (user == null || workingDir == null) {
      throw new IllegalArgumentException("User and WorkingDir must be \"\" rather than null");
    }
    env = List.copyOf(env);
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    cmd = cmd == null ? null : List.copyOf(cmd);
    labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    exposedPorts = Collections.unmodifiableSortedSet(new TreeSet<>(exposedPorts));
  }
}
