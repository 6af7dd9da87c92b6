package io.imagecensus.demo;

/** Which builder made an image: it decides how history lines and configs are written. */
enum BuildTool {
  /** The classic Docker builder: "/bin/sh -c #(nop) ..." history lines, null labels. */
  CLASSIC,
  /** BuildKit: Dockerfile instructions as history lines, "buildkit.dockerfile.v0" comments. */
  BUILDKIT,
  /** Bazel (rules_oci / distroless): reproducible, created at the Unix epoch. */
  BAZEL
}
