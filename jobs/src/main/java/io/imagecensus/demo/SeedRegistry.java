package io.imagecensus.demo;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * Pushes the sample ERP estate to a registry: {@code SeedRegistry <registry-url> [--user U
 * --password-env VAR]}.
 */
public final class SeedRegistry {

  private static final String USAGE =
      "usage: SeedRegistry <registry-url> [--user USER --password-env VARIABLE]";

  private SeedRegistry() {}

  public static void main(String[] args) {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(USAGE);
      System.out.println(
          "Pushes the sample ERP estate; the password is read from the named variable.");
      return;
    }
    try {
      System.out.println(seed(args));
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
    } catch (IOException e) {
      System.err.println(e.getMessage());
      System.exit(1);
    }
  }

  /** Pushes the estate as the arguments say and returns the one-line summary. */
  static String seed(String[] args) throws IOException {
    if (args.length == 0 || args[0].startsWith("-")) {
      throw new IllegalArgumentException("Give the registry URL, e.g. http://127.0.0.1:5000");
    }
    String url = args[0];
    String user = null;
    String passwordVariable = null;
    for (int i = 1; i < args.length; i++) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("Option " + args[i] + " needs a value");
      }
      switch (args[i]) {
        case "--user" -> user = args[++i];
        case "--password-env" -> passwordVariable = args[++i];
        default -> throw new IllegalArgumentException("Unknown option " + args[i]);
      }
    }
    if ((user == null) != (passwordVariable == null)) {
      throw new IllegalArgumentException("--user and --password-env go together");
    }
    Optional<PushCredentials> credentials = Optional.empty();
    if (user != null) {
      String password = System.getenv(passwordVariable);
      if (password == null || password.isEmpty()) {
        throw new IllegalArgumentException(
            "Environment variable " + passwordVariable + " is not set");
      }
      credentials = Optional.of(new PushCredentials(user, password));
    }

    EstateContent content = SampleEstate.content();
    EstatePusher.PushReport report;
    try (EstatePusher pusher = new EstatePusher(URI.create(url), credentials)) {
      report = pusher.push(content.repositories());
    }
    EstateTruth truth = content.truth();
    return String.format(
        Locale.ROOT,
        "Seeded %s with %d repositories, %d tags, %d images, %d distinct blob bytes"
            + " (blobs: %d uploaded, %d mounted, %d already present; %d manifest PUTs)",
        url,
        truth.repositories().size(),
        truth.tags().size(),
        truth.images().size(),
        truth.distinctBlobBytes(),
        report.blobsUploaded(),
        report.blobsMounted(),
        report.blobsPresent(),
        report.manifestsPut());
  }
}
