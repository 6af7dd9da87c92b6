package io.imagecensus.crawl;

import java.util.List;

/** Lists a repository's tags through {@code /v2/<name>/tags/list}, following pages. */
public final class TagPager {
  private final RegistryClient client;
  private final int pageSize;

  public TagPager(RegistryClient client, int pageSize) {
    this.client = client;
    this.pageSize = pageSize;
  }

  /**
   * Every tag of the repository. Distribution 2.8 ignores {@code n} here and sends every tag in
   * one answer; Harbor, ECR and GHCR page, so the {@code Link} header is followed.
   */
  public List<String> list(String repository) {
    return new LinkPager(client).list("/v2/" + repository + "/tags/list?n=" + pageSize, "tags",
        "repository:" + repository + ":pull",
        "list tags of " + repository + " on registry '" + client.registry().name() + "'");
  }
}
