package io.imagecensus.crawl;

/**
 * A registry request that failed for good: the message reads "Tried to ACTION but failed
 * because: REASON", and the HTTP status is kept when there was one.
 */
public final class RegistryException extends RuntimeException {
  private final Integer httpStatus;

  RegistryException(String action, Integer httpStatus, String reason) {
    super("Tried to " + action + " but failed because: " + reason);
    this.httpStatus = httpStatus;
  }

  /** The registry's HTTP status, or null when no answer came (time-out, refused connection). */
  public Integer httpStatus() {
    return httpStatus;
  }
}
