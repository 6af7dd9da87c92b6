package io.imagecensus.crawl;

import java.util.List;

/** Lists a registry's repositories through {@code /v2/_catalog}, page by page. */
public final class CatalogPager {
  private final RegistryClient client;
  private final int pageSize;

  public CatalogPager(RegistryClient client, int pageSize) {
    this.client = client;
    this.pageSize = pageSize;
  }

  /** Every repository in the catalog, in the registry's order. */
  public List<String> list() {
    // The page size is explicit: without n, Distribution stops at 100 and some registries at 1000.
    return new LinkPager(client).list("/v2/_catalog?n=" + pageSize, "repositories",
        "registry:catalog:*", "list the catalog of registry '" + client.registry().name() + "'");
  }
}
