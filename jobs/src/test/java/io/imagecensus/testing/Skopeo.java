package io.imagecensus.testing;

import io.imagecensus.demo.PushCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs the skopeo command line against a test registry: an independent second opinion. */
public final class Skopeo {

  private Skopeo() {}

  /** The manifest bytes exactly as the registry stores them under {@code repository:reference}. */
  public static byte[] inspectRaw(
      String hostPort, Optional<PushCredentials> credentials, String reference) throws IOException {
    return run(hostPort, credentials, reference, "--raw");
  }

  /** The image config bytes of {@code repository:reference}. */
  public static byte[] inspectConfig(
      String hostPort, Optional<PushCredentials> credentials, String reference) throws IOException {
    return run(hostPort, credentials, reference, "--config", "--raw");
  }

  private static byte[] run(
      String hostPort, Optional<PushCredentials> credentials, String reference, String... options)
      throws IOException {
    List<String> command = new ArrayList<>(List.of("skopeo", "inspect"));
    command.addAll(List.of(options));
    command.add("--tls-verify=false");
    credentials.ifPresent(c -> command.add("--creds=" + c.username() + ":" + c.password()));
    command.add("docker://" + hostPort + "/" + reference);
    Process skopeo = new ProcessBuilder(command).start();
    byte[] output = skopeo.getInputStream().readAllBytes();
    String errors = new String(skopeo.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!skopeo.waitFor(30, TimeUnit.SECONDS) || skopeo.exitValue() != 0) {
        throw new IOException(
            "Tried to skopeo inspect " + reference + " on " + hostPort + " but it said: " + errors);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while running skopeo", e);
    }
    return output;
  }
}
