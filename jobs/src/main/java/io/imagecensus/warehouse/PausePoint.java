package io.imagecensus.warehouse;

/**
 * A test-only hook: started with {@code -Dimage-census.pause-at=NAME}, the job stops at the named
 * point of a snapshot commit and waits, so a test can SIGKILL it exactly there. Unset, it does nothing.
 */
final class PausePoint {
  static final String PROPERTY = "image-census.pause-at";

  private PausePoint() {}

  static void reach(String name) {
    if (!name.equals(System.getProperty(PROPERTY))) {
      return;
    }
    System.err.println("image-census: paused at " + name);
    System.err.flush();
    while (true) {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
