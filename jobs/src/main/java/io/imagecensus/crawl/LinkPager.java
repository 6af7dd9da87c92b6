package io.imagecensus.crawl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pages through a list endpoint ({@code _catalog} or {@code tags/list}) by following the
 * RFC 5988 {@code Link: <...>; rel="next"} header, the way the distribution spec pages. A link to
 * another host is refused: a registry has no business sending our credentials elsewhere.
 */
final class LinkPager {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
  /** A registry that keeps answering with a next link would otherwise loop forever. */
  private static final int MAX_PAGES = 100_000;

  private final RegistryClient client;

  LinkPager(RegistryClient client) {
    this.client = client;
  }

  /**
   * Returns every string of {@code field} across all pages, starting at {@code firstPage}; a
   * non-200 answer throws with the status.
   */
  List<String> list(String firstPage, String field, String scope, String action) {
    List<String> result = new ArrayList<>();
    String page = firstPage;
    for (int pages = 0; page != null; pages++) {
      if (pages == MAX_PAGES) {
        throw new RegistryException(action, null, "the registry sent more than " + MAX_PAGES + " pages");
      }
      RegistryClient.Response response = client.send("GET", page, Map.of("Accept", "application/json"), scope, action);
      if (response.status() != 200) {
        throw new RegistryException(action, response.status(), "the registry answered "
            + response.status() + (response.status() == 401 || response.status() == 403 ? client.credentialHint() : ""));
      }
      readNames(response.body(), field, action, result);
      page = next(response.header("Link"), action).orElse(null);
    }
    return result;
  }

  private Optional<String> next(Optional<String> linkHeader, String action) {
    if (linkHeader.isEmpty()) {
      return Optional.empty();
    }
    Matcher m = NEXT.matcher(linkHeader.get());
    if (!m.find()) {
      return Optional.empty();
    }
    URI base = client.registry().url();
    URI target = base.resolve(m.group(1));
    if (!base.getHost().equalsIgnoreCase(target.getHost()) || base.getPort() != target.getPort()) {
      throw new RegistryException(action, null, "the registry's next-page link points to another host ("
          + target.getHost() + "), which is not followed");
    }
    String query = target.getRawQuery();
    return Optional.of(target.getRawPath() + (query == null ? "" : "?" + query));
  }

  private static void readNames(byte[] body, String field, String action, List<String> into) {
    try {
      JsonNode names = JSON.readTree(body).path(field);
      if (names.isArray()) {
        names.forEach(n -> into.add(n.asText()));
      }
    } catch (IOException e) {
      throw new RegistryException(action, 200, "the answer is not JSON with a '" + field + "' list");
    }
  }
}
