#!/usr/bin/env python3
"""Counts the listing requests a crawl of REGISTRY needs: _catalog pages and tags/list pages.

  listing-requests.py http://127.0.0.1:PORT [--page-size 1000] [--prefix bench/]

Follows the registry's Link headers exactly as image-census does (n=PAGE_SIZE, rel="next"), over
one kept-alive connection, and prints one JSON line:
  {"catalog_requests": C, "tag_list_requests": T, "repositories": R, "tags": N}
The benchmark subtracts C + T from a warm crawl's requests to get the requests per tag beyond
the listings. Only repositories whose name starts with --prefix are counted (the benchmark's
component is bench/*).
"""
import argparse
import http.client
import json
import re
import sys
import urllib.parse

LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def pages(conn, path, key):
    """Yields the items of every page of a paged listing, counting the requests."""
    count = 0
    items = []
    while path:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        count += 1
        if resp.status != 200:
            raise SystemExit(f"listing-requests: GET {path} answered {resp.status}")
        items.extend(json.loads(body).get(key) or [])
        link = resp.getheader("Link")
        m = LINK.search(link) if link else None
        path = urllib.parse.urljoin(path, m.group(1)) if m else None
    return count, items


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--page-size", type=int, default=1000)
    p.add_argument("--prefix", default="bench/")
    a = p.parse_args()
    u = urllib.parse.urlsplit(a.url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
    catalog_requests, repos = pages(conn, f"/v2/_catalog?n={a.page_size}", "repositories")
    repos = [r for r in repos if r.startswith(a.prefix)]
    tag_requests = tags = 0
    for repo in repos:
        c, t = pages(conn, f"/v2/{repo}/tags/list?n={a.page_size}", "tags")
        tag_requests += c
        tags += len(t)
    print(json.dumps({"catalog_requests": catalog_requests, "tag_list_requests": tag_requests,
                      "repositories": len(repos), "tags": tags}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
