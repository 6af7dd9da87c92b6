package io.imagecensus.demo;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A small but realistic ERP registry estate (mirrored bases, four components built over the 2026
 * quarters, a multi-platform index with attestations, an SBOM attachment) with its exact truth.
 *
 * <p>Sizes are scaled from megabytes to kilobytes; the ratios follow the team's multi-stage-builds
 * note (api-server ~1.2 GB to ~350 MB, about 70 % smaller). Everything is deterministic: the same
 * code always produces the same bytes and therefore the same digests.
 */
public final class SampleEstate {

  /** The registry name written into base-image annotations, independent of where it is pushed. */
  public static final String ANNOTATED_REGISTRY = "registry.erp.example";

  private static final Instant DEBIAN_BUILT = Instant.parse("2026-01-02T03:04:05.678901Z");
  private static final Instant ALPINE_BUILT = Instant.parse("2025-12-20T10:00:00Z");
  private static final Instant PYTHON_BUILT = Instant.parse("2026-01-05T19:52:31Z");
  private static final Instant PYTHON_SLIM_BUILT = Instant.parse("2026-01-05T20:01:12Z");
  private static final Instant PYTHON_ALPINE_BUILT = Instant.parse("2026-01-05T20:15:40Z");
  private static final Instant REDIS_BUILT = Instant.parse("2026-03-03T08:00:00Z");

  private static final String DEBIAN_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final String PYTHON_VERSION = "3.11.11";
  private static final String GPG_KEY = "A035C8C19219BA821ECEA86B64E628F8D684696D";

  private static EstateContent content;

  private SampleEstate() {}

  /** The estate's truth, computed without any registry. */
  public static EstateTruth truth() {
    return content().truth();
  }

  /**
   * Pushes the estate to the registry at {@code registryBaseUrl} ("http://127.0.0.1:5000") and
   * returns its truth; pushing again changes nothing.
   */
  public static EstateTruth push(String registryBaseUrl, Optional<PushCredentials> credentials)
      throws IOException {
    EstateContent content = content();
    try (EstatePusher pusher = new EstatePusher(URI.create(registryBaseUrl), credentials)) {
      pusher.push(content.repositories());
    }
    return content.truth();
  }

  /** The estate's content, built once per JVM: compressing its layers takes about a second. */
  static synchronized EstateContent content() {
    if (content == null) {
      content = build();
    }
    return content;
  }

  /** Builds the estate anew; {@link #content()} keeps one build per JVM. */
  static EstateContent build() {
    EstateContent estate = new EstateContent();

    // Bases, mirrored into mirror/*: Debian, Python on three distributions, distroless.
    BuiltImage bookworm = debian(bookwormRootfs(), Platform.LINUX_AMD64);
    BuiltImage bookwormSlim = debian(bookwormSlimRootfs("amd64", "x86_64"), Platform.LINUX_AMD64);
    BuiltImage bookwormSlimArm =
        debian(bookwormSlimRootfs("arm64", "aarch64"), Platform.LINUX_ARM64_V8);
    ImageManifest bookwormManifest = docker(bookworm);
    ImageManifest slimManifest = docker(bookwormSlim);
    ImageManifest slimArmManifest = docker(bookwormSlimArm);
    estate.tagImage("mirror/debian", bookwormManifest, "bookworm");
    estate.tagDockerManifestList(
        "mirror/debian", "bookworm-slim", List.of(slimManifest, slimArmManifest));

    BuiltImage python = pythonFull(bookworm);
    BuiltImage pythonSlim = pythonSlim(bookwormSlim);
    BuiltImage pythonAlpine = pythonAlpine();
    BuiltImage distroless = distrolessPython();
    ImageManifest distrolessManifest = oci(distroless, Map.of());
    estate.tagImage("mirror/python", docker(python), "3.11");
    estate.tagImage("mirror/python", docker(pythonSlim), "3.11-slim");
    estate.tagImage("mirror/python", oci(pythonAlpine, Map.of()), "3.11-alpine");
    estate.tagImage("mirror/distroless-python", distrolessManifest, "3.11");

    // Components, one build per quarter: full base, slim, slim multi-stage, distroless.
    LayerTar gccLayer = buildToolsForPip();
    LayerTar appUser = appUserLayer();
    LayerTar slimRuntimeDeps =
        runtimeDependencies("slim", "usr/local/lib/python3.11/site-packages");
    LayerTar distrolessRuntimeDeps =
        runtimeDependencies("distroless", "usr/lib/python3.11/site-packages");
    for (Component component : List.of(Component.API_SERVER, Component.CELERY_WORKER)) {
      String repository = "erp/" + component.shortName;
      estate.tagImage(repository, docker(component.january(python)), "2026.01.0");
      // celery-worker's April base went through a copy tool that re-compressed the first layer:
      // same diff ID as mirror/debian:bookworm-slim, different digest.
      BuiltImage aprilBase =
          component == Component.CELERY_WORKER ? recompressFirstLayer(pythonSlim) : pythonSlim;
      estate.tagImage(repository, docker(component.april(aprilBase, gccLayer)), "2026.04.0");
      estate.tagImage(
          repository,
          oci(component.july(pythonSlim, appUser, slimRuntimeDeps), Map.of()),
          "2026.07.0");
      // Only api-server's pipeline records its base; BuildKit leaves the annotations off.
      Map<String, String> baseAnnotations =
          component == Component.API_SERVER
              ? Map.of(
                  ManifestJson.BASE_NAME_KEY,
                  ANNOTATED_REGISTRY + "/mirror/distroless-python:3.11",
                  ManifestJson.BASE_DIGEST_KEY,
                  distrolessManifest.digest())
              : Map.of();
      ImageManifest october =
          oci(component.october(distroless, distrolessRuntimeDeps), baseAnnotations);
      estate.tagImage(repository, october, "2026.10.0", "latest");
      if (component == Component.API_SERVER) {
        RawManifest sbom =
            ManifestJson.sbom(
                october, repository + ":2026.10.0", Instant.parse("2026-10-06T10:05:00Z"));
        estate.attach(repository, sbom, MediaTypes.SPDX, october);
      }
    }

    estate.tagImage("erp/flower", docker(flower(pythonAlpine, "2.0.1")), "2.0.1");
    estate.tagImage("erp/flower", oci(flower(pythonAlpine, "2.0.2"), Map.of()), "2.0.2");

    ImageManifest redisAmd = oci(redis(bookwormSlim, "x86_64"), Map.of());
    ImageManifest redisArm = oci(redis(bookwormSlimArm, "aarch64"), Map.of());
    estate.tagOciIndex(
        "erp/redis",
        "7.2",
        List.of(redisAmd, redisArm),
        List.of(
            new EstateContent.Attestation(
                ManifestJson.attestation(
                    redisAmd, redisPurl("amd64"), REDIS_BUILT.minusSeconds(95)),
                redisAmd),
            new EstateContent.Attestation(
                ManifestJson.attestation(
                    redisArm, redisPurl("arm64/v8"), REDIS_BUILT.minusSeconds(95)),
                redisArm)));
    return estate;
  }

  // ---- Bases --------------------------------------------------------------------------------

  private static BuiltImage debian(LayerTar rootfs, Platform platform) {
    return ImageRecipe.scratch(platform, BuildTool.CLASSIC)
        .at(DEBIAN_BUILT)
        .copy("ADD file:" + rootfs.diffId().substring(7) + " in /", rootfs)
        .cmd("bash")
        .build();
  }

  private static LayerTar bookwormRootfs() {
    return debianCommon(new LayerFiles("debian:bookworm"), "x86_64", 220)
        .executable("usr/bin/perl", 14_000)
        .many("usr/share/perl/5.36", "module", ".pm", 6, 2_500)
        .many("usr/share/doc", "copyright", ".txt", 20, 600)
        .many("usr/share/man/man1", "page", ".1.gz", 10, 700)
        .data("usr/share/zoneinfo/Europe/Berlin", 2_300)
        .many("usr/lib/x86_64-linux-gnu", "libfull", ".so", 4, 5_000)
        .build();
  }

  private static LayerTar bookwormSlimRootfs(String architecture, String triplet) {
    return debianCommon(new LayerFiles("debian:bookworm-slim/" + architecture), triplet, 90)
        .build();
  }

  private static LayerFiles debianCommon(LayerFiles files, String triplet, int packageCount) {
    return files
        .text(
            "etc/os-release",
            """
            PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
            NAME="Debian GNU/Linux"
            VERSION_ID="12"
            VERSION="12 (bookworm)"
            VERSION_CODENAME=bookworm
            ID=debian
            HOME_URL="https://www.debian.org/"
            SUPPORT_URL="https://www.debian.org/support"
            BUG_REPORT_URL="https://bugs.debian.org/"
            """)
        .text("etc/debian_version", "12.9\n")
        .text(
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
        .text("etc/group", "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n")
        .executable("bin/sh", 12_500)
        .executable("bin/bash", 21_000)
        .executable("usr/bin/apt-get", 4_000)
        .executable("usr/bin/dpkg", 5_000)
        .data("usr/lib/" + triplet + "-linux-gnu/libc.so.6", 19_000)
        .data("usr/lib/" + triplet + "-linux-gnu/libstdc++.so.6", 8_000)
        .text("var/lib/dpkg/status", dpkgStatus(packageCount));
  }

  private static String dpkgStatus(int packageCount) {
    return IntStream.range(0, packageCount)
        .mapToObj(
            i ->
                "Package: pkg"
                    + i
                    + "\nStatus: install ok installed\nPriority: optional\n"
                    + "Architecture: amd64\nVersion: 1."
                    + i
                    + "-1\nDescription: Debian package number "
                    + i
                    + "\n")
        .collect(Collectors.joining("\n"));
  }

  private static BuiltImage pythonFull(BuiltImage bookworm) {
    return ImageRecipe.from(bookworm, "mirror/debian:bookworm", BuildTool.CLASSIC)
        .at(PYTHON_BUILT)
        .run(
            "set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates"
                + " curl gnupg netbase wget",
            new LayerFiles("buildpack-deps:curl")
                .executable("usr/bin/curl", 6_000)
                .executable("usr/bin/wget", 5_000)
                .data("usr/lib/x86_64-linux-gnu/libcurl.so.4", 9_000)
                .many("etc/ssl/certs", "ca", ".pem", 8, 600)
                .build())
        .run(
            "set -eux; apt-get update; apt-get install -y --no-install-recommends git mercurial"
                + " openssh-client subversion procps",
            new LayerFiles("buildpack-deps:scm")
                .executable("usr/bin/git", 30_000)
                .executable("usr/bin/hg", 8_000)
                .executable("usr/bin/svn", 10_000)
                .executable("usr/bin/ssh", 9_000)
                .build())
        .run(
            "set -ex; apt-get update; apt-get install -y --no-install-recommends autoconf automake"
                + " bzip2 dpkg-dev file g++ gcc imagemagick libbz2-dev libc6-dev"
                + " libcurl4-openssl-dev libdb-dev libffi-dev libpq-dev libssl-dev make",
            new LayerFiles("buildpack-deps:bookworm")
                .executable("usr/lib/gcc/x86_64-linux-gnu/12/cc1", 110_000)
                .executable("usr/lib/gcc/x86_64-linux-gnu/12/cc1plus", 120_000)
                .executable("usr/bin/x86_64-linux-gnu-ld.bfd", 24_000)
                .many("usr/include", "header", ".h", 30, 1_500)
                .many("usr/lib/x86_64-linux-gnu", "libdev", ".a", 8, 10_000)
                .many("usr/share/imagemagick-6", "resource", ".xml", 10, 3_000)
                .build())
        .env("PATH", "/usr/local/bin:" + DEBIAN_PATH)
        .env("LANG", "C.UTF-8")
        .run(
            "set -eux; apt-get update; apt-get install -y --no-install-recommends libbluetooth-dev"
                + " tk-dev uuid-dev",
            new LayerFiles("python:3.11/extra-dev")
                .many("usr/include/tk", "tk", ".h", 4, 1_200)
                .build())
        .env("GPG_KEY", GPG_KEY)
        .env("PYTHON_VERSION", PYTHON_VERSION)
        .run(
            "set -eux; wget -O python.tar.xz"
                + " \"https://www.python.org/ftp/python/${PYTHON_VERSION%%[a-z]*}/Python-$PYTHON_VERSION.tar.xz\";"
                + " ./configure --enable-optimizations --enable-shared; make -j \"$nproc\"; make"
                + " install",
            pythonInstall(new LayerFiles("python:3.11/install"), "usr/local", 62_000))
        .run(
            "set -eux; for src in idle3 pip3 pydoc3 python3 python3-config; do dst=\"$(echo"
                + " \"$src\" | tr -d 3)\"; ln -svT \"$src\" \"/usr/local/bin/$dst\"; done",
            pythonLinks(new LayerFiles("python:3.11/links")))
        .cmd("python3")
        .build();
  }

  private static BuiltImage pythonSlim(BuiltImage bookwormSlim) {
    return ImageRecipe.from(bookwormSlim, "mirror/debian:bookworm-slim", BuildTool.CLASSIC)
        .at(PYTHON_SLIM_BUILT)
        .env("PATH", "/usr/local/bin:" + DEBIAN_PATH)
        .env("LANG", "C.UTF-8")
        .run(
            "set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates"
                + " netbase tzdata; rm -rf /var/lib/apt/lists/*",
            new LayerFiles("python:3.11-slim/runtime-deps")
                .many("etc/ssl/certs", "ca", ".pem", 4, 600)
                .data("usr/share/zoneinfo/Europe/Berlin", 2_300)
                .build())
        .env("GPG_KEY", GPG_KEY)
        .env("PYTHON_VERSION", PYTHON_VERSION)
        .run(
            "set -eux; savedAptMark=\"$(apt-mark showmanual)\"; apt-get install -y"
                + " --no-install-recommends dpkg-dev gcc libbz2-dev libffi-dev libssl-dev make;"
                + " ./configure --enable-optimizations; make install; apt-mark auto '.*' >"
                + " /dev/null; apt-get purge -y --auto-remove",
            pythonInstall(new LayerFiles("python:3.11-slim/install"), "usr/local", 40_000))
        .run(
            "set -eux; for src in idle3 pip3 pydoc3 python3 python3-config; do dst=\"$(echo"
                + " \"$src\" | tr -d 3)\"; ln -svT \"$src\" \"/usr/local/bin/$dst\"; done",
            pythonLinks(new LayerFiles("python:3.11-slim/links")))
        .cmd("python3")
        .build();
  }

  private static BuiltImage pythonAlpine() {
    LayerTar alpineRootfs =
        new LayerFiles("alpine:3.20")
            .text(
                "etc/os-release",
                """
                NAME="Alpine Linux"
                ID=alpine
                VERSION_ID=3.20.5
                PRETTY_NAME="Alpine Linux v3.20"
                HOME_URL="https://alpinelinux.org/"
                BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
                """)
            .text("etc/alpine-release", "3.20.5\n")
            .text(
                "etc/passwd",
                "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n")
            .executable("bin/busybox", 3_000)
            .executable("bin/sh", 400)
            .executable("sbin/apk", 1_800)
            .executable("lib/ld-musl-x86_64.so.1", 1_600)
            .text(
                "lib/apk/db/installed",
                "P:alpine-baselayout\n"
                    + "V:3.6.5-r0\n\n"
                    + "P:busybox\n"
                    + "V:1.36.1-r29\n\n"
                    + "P:musl\n"
                    + "V:1.2.5-r0\n")
            .build();
    BuiltImage alpine =
        ImageRecipe.scratch(Platform.LINUX_AMD64, BuildTool.CLASSIC)
            .at(ALPINE_BUILT)
            .copy("ADD file:" + alpineRootfs.diffId().substring(7) + " in /", alpineRootfs)
            .cmd("/bin/sh")
            .build();
    return ImageRecipe.from(alpine, null, BuildTool.CLASSIC)
        .at(PYTHON_ALPINE_BUILT)
        .env("PATH", "/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        .env("LANG", "C.UTF-8")
        .run(
            "set -eux; apk add --no-cache ca-certificates tzdata",
            new LayerFiles("python:3.11-alpine/runtime-deps")
                .many("etc/ssl/certs", "ca", ".pem", 2, 600)
                .build())
        .env("GPG_KEY", GPG_KEY)
        .env("PYTHON_VERSION", PYTHON_VERSION)
        .run(
            "set -eux; apk add --no-cache --virtual .build-deps gcc make musl-dev openssl-dev;"
                + " ./configure; make install; apk del --no-network .build-deps",
            pythonInstall(new LayerFiles("python:3.11-alpine/install"), "usr/local", 36_000))
        .run(
            "set -eux; for src in idle3 pip3 pydoc3 python3 python3-config; do dst=\"$(echo"
                + " \"$src\" | tr -d 3)\"; ln -svT \"$src\" \"/usr/local/bin/$dst\"; done",
            pythonLinks(new LayerFiles("python:3.11-alpine/links")))
        .cmd("python3")
        .build();
  }

  private static BuiltImage distrolessPython() {
    String bazel = "bazel build //python3:python3_nonroot_amd64_debian12";
    return ImageRecipe.scratch(Platform.LINUX_AMD64, BuildTool.BAZEL)
        // Distroless builds are reproducible and say they were created at the Unix epoch.
        .at(Instant.EPOCH)
        .step(bazel, distrolessBaseLayer())
        .step(bazel, distrolessCcLayer())
        .step(bazel, pythonInstall(new LayerFiles("distroless/python3"), "usr", 24_000))
        .env("PATH", DEBIAN_PATH)
        .env("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
        .env("LANG", "C.UTF-8")
        .user("65532")
        .workdir("/home/nonroot", null)
        .entrypoint("/usr/bin/python3.11")
        .build();
  }

  /** Distroless's base layer: os-release saying Debian, the nonroot user, certificates. */
  static LayerTar distrolessBaseLayer() {
    return new LayerFiles("distroless/base")
        .text(
            "etc/os-release",
            """
            PRETTY_NAME="Distroless"
            NAME="Debian GNU/Linux"
            ID="debian"
            VERSION_ID="12"
            VERSION="Debian GNU/Linux 12 (bookworm)"
            HOME_URL="https://github.com/GoogleContainerTools/distroless"
            SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
            BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
            """)
        .text(
            "etc/passwd",
            "root:x:0:0:root:/root:/sbin/nologin\n"
                + "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
                + "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")
        .text("etc/group", "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n")
        .many("etc/ssl/certs", "ca-certificates", ".crt", 6, 1_500)
        .data("usr/share/zoneinfo/Europe/Berlin", 2_300)
        .text(
            "var/lib/dpkg/status.d/base-files",
            "Package: base-files\nVersion: 12.4+deb12u9\nArchitecture: amd64\n")
        .build();
  }

  /** Distroless's cc layer: the C and TLS libraries that its language images share. */
  static LayerTar distrolessCcLayer() {
    return new LayerFiles("distroless/cc")
        .data("usr/lib/x86_64-linux-gnu/libc.so.6", 19_000)
        .data("usr/lib/x86_64-linux-gnu/libssl.so.3", 9_000)
        .data("usr/lib/x86_64-linux-gnu/libcrypto.so.3", 12_000)
        .build();
  }

  private static LayerTar pythonInstall(LayerFiles files, String prefix, int libpythonSize) {
    String bin = prefix + "/bin/";
    return files
        .executable(bin + "python3.11", 4_000)
        .data(prefix + "/lib/libpython3.11.so.1.0", libpythonSize)
        .many(prefix + "/lib/python3.11", "stdlib", ".py", 24, 700)
        .many(prefix + "/lib/python3.11/lib-dynload", "ext", ".so", 6, 1_500)
        .build();
  }

  private static LayerTar pythonLinks(LayerFiles files) {
    for (String name : List.of("idle", "pip", "pydoc", "python", "python-config")) {
      files.text("usr/local/bin/" + name, "#!/bin/sh\nexec /usr/local/bin/" + name + "3 \"$@\"\n");
    }
    return files.build();
  }

  private static BuiltImage recompressFirstLayer(BuiltImage image) {
    List<HistoryStep> history = new ArrayList<>(image.history());
    for (int i = 0; i < history.size(); i++) {
      HistoryStep step = history.get(i);
      if (!step.emptyLayer()) {
        LayerTar recompressed = step.layer().recompressed(1);
        if (recompressed.digest().equals(step.layer().digest())) {
          throw new IllegalStateException(
              "Re-compressing at level 1 did not change the layer digest");
        }
        history.set(
            i, new HistoryStep(step.created(), step.createdBy(), recompressed, step.comment()));
        break;
      }
    }
    return new BuiltImage(
        image.platform(),
        image.created(),
        history,
        image.runtime(),
        image.tool(),
        image.builtFrom());
  }

  // ---- Components ---------------------------------------------------------------------------

  private static LayerTar buildToolsForPip() {
    return new LayerFiles("erp/apt-gcc-libpq")
        .executable("usr/lib/gcc/x86_64-linux-gnu/12/cc1", 110_000)
        .executable("usr/bin/x86_64-linux-gnu-gcc-12", 12_000)
        .executable("usr/bin/x86_64-linux-gnu-ld.bfd", 24_000)
        .many("usr/include", "header", ".h", 30, 1_500)
        .many("usr/include/postgresql", "libpq", ".h", 8, 1_500)
        .data("usr/lib/x86_64-linux-gnu/libpq.so.5", 4_000)
        .build();
  }

  private static LayerTar appUserLayer() {
    return new LayerFiles("erp/app-user")
        .text(
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\n"
                + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                + "app:x:1000:1000::/home/app:/bin/sh\n")
        .text("etc/group", "root:x:0:\nnogroup:x:65534:\napp:x:1000:\n")
        .text("etc/shadow", "root:*:20000:0:99999:7:::\napp:!:20000:0:99999:7:::\n")
        .build();
  }

  /** The wheels installed in a multi-stage build's runtime stage, shared by all components. */
  private static LayerTar runtimeDependencies(String base, String sitePackages) {
    return new LayerFiles("erp/runtime-deps/" + base)
        .many(sitePackages + "/django", "module", ".py", 25, 1_300)
        .many(sitePackages + "/celery", "module", ".py", 12, 1_200)
        .data(sitePackages + "/psycopg_binary/_psycopg.so", 30_000)
        .data(sitePackages + "/psycopg_binary.libs/libpq.so.5", 12_000)
        .many(sitePackages + "/kombu", "module", ".py", 10, 1_000)
        .many(sitePackages + "/gunicorn", "module", ".py", 8, 900)
        .build();
  }

  private static BuiltImage flower(BuiltImage pythonAlpine, String version) {
    boolean old = version.equals("2.0.1");
    ImageRecipe recipe =
        ImageRecipe.from(
                pythonAlpine,
                "mirror/python:3.11-alpine",
                old ? BuildTool.CLASSIC : BuildTool.BUILDKIT)
            .at(old ? Instant.parse("2026-02-10T09:00:00Z") : Instant.parse("2026-08-20T09:00:00Z"))
            .label("maintainer", "erp-platform@erp.example")
            .label("org.opencontainers.image.title", "flower")
            .label("org.opencontainers.image.version", version)
            .run(
                "pip install --no-cache-dir flower==" + version + " redis==5.2.1",
                new LayerFiles("erp/flower/" + version)
                    .many(
                        "usr/local/lib/python3.11/site-packages/flower", "module", ".py", 20, 1_500)
                    .many(
                        "usr/local/lib/python3.11/site-packages/flower/static",
                        "asset",
                        ".js",
                        6,
                        3_000)
                    .many(
                        "usr/local/lib/python3.11/site-packages/tornado",
                        "module",
                        ".py",
                        10,
                        1_200)
                    .build());
    if (old) {
      // The old builder committed WORKDIR as a layer: Docker's 32-byte empty layer.
      recipe.workdir("/data", LayerTar.empty()).user("root");
    } else {
      recipe
          .run(
              "adduser -D -u 1001 flower",
              new LayerFiles("erp/flower-user")
                  .text(
                      "etc/passwd",
                      "root:x:0:0:root:/root:/bin/sh\nflower:x:1001:1001::/home/flower:/bin/sh\n")
                  .text("etc/group", "root:x:0:\nflower:x:1001:\n")
                  .build())
          .workdir("/data", null)
          .user("1001");
    }
    return recipe
        .expose("5555/tcp")
        .healthcheck(
            new Healthcheck(
                List.of("CMD-SHELL", "wget -q -O- http://localhost:5555/healthcheck || exit 1"),
                Duration.ofSeconds(30),
                Duration.ofSeconds(5),
                3))
        .cmd("celery", "flower", "--port=5555")
        .build();
  }

  private static BuiltImage redis(BuiltImage bookwormSlim, String triplet) {
    String architecture = bookwormSlim.platform().architecture();
    return ImageRecipe.from(bookwormSlim, "mirror/debian:bookworm-slim", BuildTool.BUILDKIT)
        .at(REDIS_BUILT)
        // Text-only layers are byte-identical on both platforms and so shared across them.
        .run(
            "set -eux; groupadd -r -g 999 redis; useradd -r -g redis -u 999 redis",
            new LayerFiles("erp/redis-user")
                .text(
                    "etc/passwd",
                    "root:x:0:0:root:/root:/bin/bash\n"
                        + "redis:x:999:999::/home/redis:/usr/sbin/nologin\n")
                .text("etc/group", "root:x:0:\nredis:x:999:\n")
                .build())
        .run(
            "set -eux; apt-get update; apt-get install -y --no-install-recommends tzdata gosu; rm"
                + " -rf /var/lib/apt/lists/*",
            new LayerFiles("erp/redis-gosu/" + architecture)
                .executable("usr/sbin/gosu", 7_000)
                .data("usr/share/zoneinfo/Europe/Berlin", 2_300)
                .build())
        .env("REDIS_VERSION", "7.2.7")
        .run(
            "set -eux; wget -O redis.tar.gz \"$REDIS_DOWNLOAD_URL\"; make -C /usr/src/redis -j"
                + " \"$(nproc)\" all; make install",
            new LayerFiles("erp/redis-server/" + architecture)
                .executable("usr/local/bin/redis-server", 26_000)
                .executable("usr/local/bin/redis-cli", 6_000)
                .data("usr/lib/" + triplet + "-linux-gnu/libssl.so.3", 4_000)
                .build())
        .workdir("/data", null)
        .copy(
            "COPY docker-entrypoint.sh /usr/local/bin/",
            new LayerFiles("erp/redis-entrypoint")
                .text(
                    "usr/local/bin/docker-entrypoint.sh",
                    "#!/bin/sh\n"
                        + "set -e\n"
                        + "if [ \"$(id -u)\" = '0' ]; then exec gosu redis \"$0\" \"$@\"; fi\n"
                        + "exec \"$@\"\n")
                .build())
        .entrypoint("docker-entrypoint.sh")
        .expose("6379/tcp")
        .cmd("redis-server")
        .build();
  }

  private static String redisPurl(String platform) {
    return "pkg:docker/"
        + ANNOTATED_REGISTRY
        + "/erp/redis@7.2?platform=linux%2F"
        + platform.replace("/", "%2F");
  }

  private static ImageManifest docker(BuiltImage image) {
    return ManifestJson.image(image, ImageManifest.Format.DOCKER_V2_2, Map.of());
  }

  private static ImageManifest oci(BuiltImage image, Map<String, String> annotations) {
    return ManifestJson.image(image, ImageManifest.Format.OCI, annotations);
  }

  /** The two Python services, built the same way each quarter with their own code and deps. */
  private enum Component {
    API_SERVER(
        "api-server",
        10,
        35,
        20,
        8000,
        List.of("gunicorn", "erp.wsgi:application", "--bind", "0.0.0.0:8000")),
    CELERY_WORKER(
        "celery-worker",
        11,
        22,
        14,
        0,
        List.of("celery", "-A", "erp", "worker", "--loglevel=info"));

    final String shortName;
    final int hour;
    final int fullDependencyFiles;
    final int appFiles;
    final int port;
    final List<String> command;

    Component(
        String shortName,
        int hour,
        int fullDependencyFiles,
        int appFiles,
        int port,
        List<String> command) {
      this.shortName = shortName;
      this.hour = hour;
      this.fullDependencyFiles = fullDependencyFiles;
      this.appFiles = appFiles;
      this.port = port;
      this.command = command;
    }

    Instant builtOn(String day) {
      return Instant.parse(day + "T" + String.format("%02d", hour) + ":00:00Z");
    }

    BuiltImage january(BuiltImage python) {
      String version = "2026.01.0";
      ImageRecipe recipe =
          labelled(
                  ImageRecipe.from(python, "mirror/python:3.11", BuildTool.CLASSIC)
                      .at(builtOn("2026-01-15")),
                  version)
              .env("PYTHONDONTWRITEBYTECODE", "1")
              .env("PYTHONUNBUFFERED", "1");
      if (this == API_SERVER) {
        // This build ran on an old builder that committed WORKDIR as Docker's 32-byte empty layer.
        recipe.workdir("/app", LayerTar.empty());
      } else {
        recipe.workdir("/app", null);
      }
      recipe
          .copy(
              "COPY file:" + requirements(version).diffId().substring(7) + " in .",
              requirements(version))
          .run(
              "pip install --no-cache-dir -r requirements.txt",
              dependencies(
                  "usr/local/lib/python3.11/site-packages", version, fullDependencyFiles, 5_800));
      return finish(
          recipe.copy(
              "COPY dir:" + appCode(version).diffId().substring(7) + " in .", appCode(version)));
    }

    BuiltImage april(BuiltImage pythonSlim, LayerTar gcc) {
      String version = "2026.04.0";
      ImageRecipe recipe =
          labelled(
                  ImageRecipe.from(pythonSlim, "mirror/python:3.11-slim", BuildTool.CLASSIC)
                      .at(builtOn("2026-04-14")),
                  version)
              .env("PYTHONDONTWRITEBYTECODE", "1")
              .env("PYTHONUNBUFFERED", "1")
              .run(
                  "apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev && rm"
                      + " -rf /var/lib/apt/lists/*",
                  gcc)
              .workdir("/app", null)
              .copy(
                  "COPY file:" + requirements(version).diffId().substring(7) + " in .",
                  requirements(version))
              .run(
                  "pip install --no-cache-dir -r requirements.txt",
                  dependencies(
                      "usr/local/lib/python3.11/site-packages",
                      version,
                      fullDependencyFiles,
                      5_500));
      return finish(
          recipe.copy(
              "COPY dir:" + appCode(version).diffId().substring(7) + " in .", appCode(version)));
    }

    BuiltImage july(BuiltImage pythonSlim, LayerTar appUser, LayerTar runtimeDeps) {
      String version = "2026.07.0";
      ImageRecipe recipe =
          labelled(
                  ImageRecipe.from(pythonSlim, "mirror/python:3.11-slim", BuildTool.BUILDKIT)
                      .at(builtOn("2026-07-08")),
                  version)
              .env("PYTHONDONTWRITEBYTECODE", "1")
              .env("PYTHONUNBUFFERED", "1")
              .run("groupadd -g 1000 app && useradd -u 1000 -g app -m app", appUser)
              .copy("COPY --from=builder /install /usr/local", runtimeDeps)
              .workdir("/app", null)
              .copy("COPY --chown=1000:1000 . /app", appCode(version))
              .user("1000:1000");
      return finish(withHealthcheck(recipe));
    }

    BuiltImage october(BuiltImage distroless, LayerTar runtimeDeps) {
      String version = "2026.10.0";
      ImageRecipe recipe =
          labelled(
                  ImageRecipe.from(distroless, "mirror/distroless-python:3.11", BuildTool.BUILDKIT)
                      .at(builtOn("2026-10-06")),
                  version)
              .env("PYTHONUNBUFFERED", "1")
              .env("PYTHONPATH", "/usr/lib/python3.11/site-packages")
              .copy(
                  "COPY --from=builder /install/lib/python3.11/site-packages"
                      + " /usr/lib/python3.11/site-packages",
                  runtimeDeps)
              .workdir("/app", null)
              .copy("COPY --from=builder --chown=65532:65532 /app /app", appCode(version));
      return finish(withHealthcheck(recipe));
    }

    private ImageRecipe labelled(ImageRecipe recipe, String version) {
      return recipe
          .label("maintainer", "erp-platform@erp.example")
          .label("org.opencontainers.image.source", "https://git.erp.example/erp/" + shortName)
          .label("org.opencontainers.image.title", shortName)
          .label("org.opencontainers.image.version", version);
    }

    private ImageRecipe withHealthcheck(ImageRecipe recipe) {
      if (this != API_SERVER) {
        return recipe;
      }
      return recipe.healthcheck(
          new Healthcheck(
              List.of(
                  "CMD",
                  "python",
                  "-c",
                  "import urllib.request; urllib.request.urlopen('http://localhost:8000/health')"),
              Duration.ofSeconds(30),
              Duration.ofSeconds(5),
              3));
    }

    private BuiltImage finish(ImageRecipe recipe) {
      if (port != 0) {
        recipe.expose(port + "/tcp");
      }
      return recipe.cmd(command.toArray(String[]::new)).build();
    }

    private LayerTar requirements(String version) {
      return new LayerFiles("erp/" + shortName + "/requirements/" + version)
          .text(
              "app/requirements.txt",
              "Django==5.1.4\ncelery==5.4.0\npsycopg[binary]==3.2.3\ngunicorn==23.0.0\n# "
                  + shortName
                  + " "
                  + version
                  + "\n")
          .build();
    }

    private LayerTar dependencies(String sitePackages, String version, int files, int size) {
      return new LayerFiles("erp/" + shortName + "/pip/" + version)
          .many(sitePackages, "package", ".py", files, size)
          .data(sitePackages + "/psycopg_binary/_psycopg.so", 30_000)
          .build();
    }

    private LayerTar appCode(String version) {
      return new LayerFiles("erp/" + shortName + "/app/" + version)
          .text("app/VERSION", version + "\n")
          .many("app/erp", shortName.replace('-', '_'), ".py", appFiles, 1_500)
          .build();
    }
  }
}
