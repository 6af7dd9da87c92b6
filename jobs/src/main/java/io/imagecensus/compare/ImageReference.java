package io.imagecensus.compare;

import io.imagecensus.model.Digest;
import java.util.regex.Pattern;

/**
 * An image on a registry as {@code compare} takes it: {@code host[:port]/repository:tag} or
 * {@code host[:port]/repository@sha256:...}; without tag or digest Docker's {@code latest} is meant.
 */
record ImageReference(String host, String repository, String tag, String digest) {
  /** The distribution spec's repository name grammar: lower-case path components. */
  private static final Pattern REPOSITORY =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
  private static final Pattern TAG = Pattern.compile("\\w[\\w.-]{0,127}");
  private static final String EXAMPLE = "write it as host:port/repository:tag, e.g. 127.0.0.1:5000/erp/api-server:2026.10.0";

  /** Parses {@code text}; {@code what} (REF_A, REF_B) names it in the one-line error. */
  static ImageReference parse(String text, String what) {
    int slash = text.indexOf('/');
    String host = slash < 0 ? "" : text.substring(0, slash);
    // As in Docker: the first component is a registry host when it has a dot or a port, or is localhost.
    if (slash < 0 || !(host.contains(".") || host.contains(":") || host.equals("localhost"))) {
      throw new CompareCommand.UsageException(what + " '" + text + "' names no registry host; " + EXAMPLE);
    }
    String rest = text.substring(slash + 1);
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      if (!Digest.isValid(digest)) {
        throw new CompareCommand.UsageException(what + " '" + text + "' has a bad digest '" + digest + "'; write sha256: and 64 hex digits");
      }
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new CompareCommand.UsageException(what + " '" + text + "' has a bad tag '" + tag + "'; " + EXAMPLE);
      }
    }
    if (!REPOSITORY.matcher(rest).matches()) {
      throw new CompareCommand.UsageException(what + " '" + text + "' has a bad repository '" + rest
          + "' (lower-case path such as erp/api-server); " + EXAMPLE);
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageReference(host.toLowerCase(java.util.Locale.ROOT), rest, tag, digest);
  }

  /** What the manifest is asked for by: the digest when given, else the tag. */
  String reference() {
    return digest != null ? digest : tag;
  }

  /** "repository:tag" or "repository@digest", as error messages and reports name the image. */
  String name() {
    return digest != null ? repository + "@" + digest : repository + ":" + tag;
  }

  @Override
  public String toString() {
    return host + "/" + (tag != null && digest != null ? repository + ":" + tag + "@" + digest : name());
  }
}
