package io.imagecensus.demo;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A stand-in for {@code gcr.io/distroless/java17-debian12:nonroot}, which this machine cannot pull:
 * distroless's base and cc layers (the same bytes as under the estate's distroless Python), a Java
 * layer, user 65532. Images built on it are crawled, never run, so its Java is a few stand-in files.
 */
public final class DistrolessJavaBase {
  public static final String REPOSITORY = "mirror/distroless-java";
  public static final String TAG = "17-nonroot";

  private DistrolessJavaBase() {}

  /** Pushes the base to the registry at {@code registryBaseUrl} and returns its manifest digest. */
  public static String push(String registryBaseUrl) throws IOException {
    String bazel = "bazel build //java:java17_nonroot_amd64_debian12";
    BuiltImage image = ImageRecipe.scratch(Platform.LINUX_AMD64, BuildTool.BAZEL)
        .at(Instant.EPOCH)
        .step(bazel, SampleEstate.distrolessBaseLayer())
        .step(bazel, SampleEstate.distrolessCcLayer())
        .step(bazel, new LayerFiles("distroless/java17")
            .executable("usr/lib/jvm/java-17-openjdk-amd64/bin/java", 9_000)
            .data("usr/lib/jvm/java-17-openjdk-amd64/lib/modules", 60_000)
            .build())
        .env("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
        .env("JAVA_VERSION", "17.0.15")
        .user("65532")
        .workdir("/home/nonroot", null)
        .entrypoint("/usr/bin/java", "-jar")
        .build();
    ImageManifest manifest = ManifestJson.image(image, ImageManifest.Format.OCI, Map.of());
    EstateContent content = new EstateContent();
    content.tagImage(REPOSITORY, manifest, TAG);
    try (EstatePusher pusher = new EstatePusher(URI.create(registryBaseUrl), Optional.empty())) {
      pusher.push(content.repositories());
    }
    return manifest.digest();
  }
}
