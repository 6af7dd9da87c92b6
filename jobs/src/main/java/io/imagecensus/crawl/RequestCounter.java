package io.imagecensus.crawl;

/** Told about every HTTP request a registry client sends, so a run can count them. */
public interface RequestCounter {
  /** One request went out; {@code bytesReceived} is the size of the body that came back. */
  void onRequest(long bytesReceived);

  /** A temporary failure (429, 5xx, I/O) will be retried. */
  void onRetry();

  RequestCounter NONE = new RequestCounter() {
    @Override
    public void onRequest(long bytesReceived) {}

    @Override
    public void onRetry() {}
  };
}
