package io.imagecensus.testing;

/** How a test registry authenticates clients. */
public enum RegistryAuth {
  /** No authentication: every request is served. */
  ANONYMOUS,
  /** HTTP Basic against a bcrypt htpasswd file. */
  BASIC,
  /** Bearer tokens from a {@link TokenIssuer} (the distribution token protocol). */
  TOKEN
}
