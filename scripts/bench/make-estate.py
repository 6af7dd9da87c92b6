#!/usr/bin/env python3
"""Writes a synthetic image estate straight into a CNCF Distribution 2.8 filesystem storage tree.

No HTTP and no registry process is involved: the script lays out the same files a push would
leave behind (see distribution's registry/storage/paths.go), so `docker-registry serve` started
on the tree serves the estate at once. 10,000 tags take seconds instead of the ~5 minutes a push
of that many manifests would take.

Layout written under ROOT (the registry's storage.filesystem.rootdirectory):

  docker/registry/v2/blobs/sha256/<hex[:2]>/<hex>/data                       blob bytes
  docker/registry/v2/repositories/<repo>/_layers/sha256/<hex>/link           "sha256:<hex>"
  docker/registry/v2/repositories/<repo>/_manifests/revisions/sha256/<hex>/link
  docker/registry/v2/repositories/<repo>/_manifests/tags/<tag>/current/link
  docker/registry/v2/repositories/<repo>/_manifests/tags/<tag>/index/sha256/<hex>/link

The estate: REPOS repositories bench/app-NNNN with TAGS image tags each; every image tag has its
own Docker v2 schema 2 manifest and its own image config. Layers: a base stack of 2-3 layers chosen
from six bases that share layers among themselves (python-slim and node-slim build on
debian-slim, ...), 1-2 app layers shared by all images of the repository, and 1 layer of the tag's
own. On top of the image tags every repository gets max(1, round(TAGS/10)) alias tags (latest,
then the minor-version tags 1.N) that point at an existing manifest of the same repository, as
registries usually have. Layers are tiny but valid tar.gz files whose descriptor sizes and
diff_ids are the true ones. Everything is derived from --seed, so the same arguments always give
byte-identical blobs and digests.

It also writes the request mix of a cold crawl (--paths FILE), one request per line as
"METHOD PATH [RANGE]", for wrk (scripts/bench/mix.lua):
  per repository:     GET  /v2/<repo>/tags/list
  per tag:            HEAD /v2/<repo>/manifests/<tag>        (alias tags included)
  per image:          GET  /v2/<repo>/manifests/<digest>
                      GET  /v2/<repo>/blobs/<config digest>
  per distinct layer: GET  /v2/<repo>/blobs/<layer digest> bytes=<size-4>-<size-1>
                      (the ranged read of the gzip trailer that gives the uncompressed size;
                      asked of the first repository by name that has the layer, as the crawl does)
which is what image-census sends on a cold crawl apart from the _catalog pages.
Lines are grouped per repository, repositories in a seeded random order.

A one-line JSON summary (repositories, tags, images, aliases, blobs, ...) goes to stdout.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import random
import sys
import tarfile
import time

MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_V1 = "application/vnd.docker.container.image.v1+json"
LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"

# name -> (layer names of the stack, created_by of each layer, default user, labels)
BASES = {
    "debian-slim": (["debian-rootfs", "debian-ca-certificates"],
                    ["/bin/sh -c #(nop) ADD file:debian-bookworm-slim in / ",
                     "/bin/sh -c apt-get update && apt-get install -y ca-certificates"], ""),
    "python-slim": (["debian-rootfs", "python-runtime-debian", "python-pip-debian"],
                    ["/bin/sh -c #(nop) ADD file:debian-bookworm-slim in / ",
                     "/bin/sh -c set -eux; install python 3.11",
                     "/bin/sh -c set -eux; python -m ensurepip"], ""),
    "node-slim": (["debian-rootfs", "node-runtime-debian", "node-npm-debian"],
                  ["/bin/sh -c #(nop) ADD file:debian-bookworm-slim in / ",
                   "/bin/sh -c set -eux; install node 20",
                   "/bin/sh -c npm install -g npm"], ""),
    "alpine": (["alpine-rootfs", "alpine-ca-certificates"],
               ["/bin/sh -c #(nop) ADD file:alpine-3.19-minirootfs in / ",
                "/bin/sh -c apk add --no-cache ca-certificates"], ""),
    "python-alpine": (["alpine-rootfs", "python-runtime-alpine"],
                      ["/bin/sh -c #(nop) ADD file:alpine-3.19-minirootfs in / ",
                       "/bin/sh -c apk add --no-cache python3"], ""),
    "distroless-python": (["distroless-base", "distroless-python3"],
                          ["bazel build //base:static_debian12", "bazel build //python3:python3_debian12"],
                          "65532"),
}


class Store:
    """Writes blobs and links below ROOT/docker/registry/v2, each blob once."""

    def __init__(self, root):
        self.v2 = os.path.join(root, "docker", "registry", "v2")
        self.blobs = set()
        self.blob_bytes = 0
        self.files = 0

    def _write(self, path, data):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        self.files += 1

    def blob(self, data):
        hexd = hashlib.sha256(data).hexdigest()
        if hexd not in self.blobs:
            self.blobs.add(hexd)
            self.blob_bytes += len(data)
            self._write(os.path.join(self.v2, "blobs", "sha256", hexd[:2], hexd, "data"), data)
        return "sha256:" + hexd

    def _repo(self, repo, *parts):
        return os.path.join(self.v2, "repositories", repo, *parts)

    def link_layer(self, repo, digest):
        self._write(self._repo(repo, "_layers", "sha256", digest[7:], "link"), digest.encode())

    def link_revision(self, repo, digest):
        self._write(self._repo(repo, "_manifests", "revisions", "sha256", digest[7:], "link"), digest.encode())

    def tag(self, repo, tag, digest):
        self._write(self._repo(repo, "_manifests", "tags", tag, "current", "link"), digest.encode())
        self._write(self._repo(repo, "_manifests", "tags", tag, "index", "sha256", digest[7:], "link"), digest.encode())


def layer(name, payload):
    """A tiny, deterministic tar.gz holding one file; returns (gzip bytes, diff_id)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("layer/" + name)
        info.size = len(payload)
        info.mtime = 1700000000
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(payload))
    tar_bytes = raw.getvalue()
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", compresslevel=6, mtime=0) as gz:
        gz.write(tar_bytes)
    return packed.getvalue(), "sha256:" + hashlib.sha256(tar_bytes).hexdigest()


def dumps(obj):
    # Docker's own formatting of manifests (3-space indent); configs are compact like dockerd's.
    return json.dumps(obj, indent=3).encode()


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("root", help="the registry's filesystem rootdirectory (created; must be empty or absent)")
    p.add_argument("--repos", type=int, default=200, help="repositories bench/app-NNNN (default 200)")
    p.add_argument("--tags", type=int, default=50, help="image tags per repository, aliases not counted (default 50)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--prefix", default="bench/app-", help="repository name prefix (default bench/app-)")
    p.add_argument("--paths", help="write the cold-crawl request mix for wrk to this file")
    args = p.parse_args()
    if args.repos < 1 or args.tags < 1:
        p.error("--repos and --tags must be at least 1")
    if os.path.exists(os.path.join(args.root, "docker")):
        p.error(f"{args.root} already holds a registry tree; pass an empty directory")

    rng = random.Random(args.seed)
    store = Store(args.root)
    width = max(4, len(str(args.repos)))
    base_layers = {}  # layer name -> (digest, diff_id, size)

    def base_layer(name):
        if name not in base_layers:
            data, diff_id = layer(name, (name + "\n").encode() * 64)
            base_layers[name] = (store.blob(data), diff_id, len(data))
        return base_layers[name]

    epoch = 1767225600  # 2026-01-01T00:00:00Z
    requests = []
    tags_total = images_total = aliases_total = root_images = 0
    repo_order = list(range(1, args.repos + 1))
    rng.shuffle(repo_order)
    repo_requests = {}
    layer_requests = {}  # layer digest -> (repository, size) of the first repository by name
    for r in range(1, args.repos + 1):
        repo = f"{args.prefix}{r:0{width}d}"
        base_name = rng.choice(sorted(BASES))
        stack, stack_created_by, base_user = BASES[base_name]
        user = base_user or rng.choice(["", "", "app", "1000:1000"])  # about half run as root
        app_layers = []
        for a in range(rng.choice([1, 2])):
            data, diff_id = layer(f"{repo}-app-{a}", f"{repo} dependencies {a} {rng.random()}\n".encode() * 32)
            app_layers.append((store.blob(data), diff_id, len(data)))
        repo_base = [base_layer(n) for n in stack]
        for d, _, _ in repo_base + app_layers:
            store.link_layer(repo, d)
        lines = [f"GET /v2/{repo}/tags/list"]
        tag_names = [f"1.{i // 10}.{i % 10}" for i in range(args.tags)]
        digests = []
        start = epoch + r * 3600
        for i, tag in enumerate(tag_names):
            created = start + i * 86400
            data, diff_id = layer(f"{repo}-{tag}", f"{repo}:{tag} build {rng.getrandbits(64)}\n".encode() * 8)
            own = (store.blob(data), diff_id, len(data))
            store.link_layer(repo, own[0])
            layers = repo_base + app_layers + [own]
            history = [{"created": iso(epoch - 86400 * 30), "created_by": cb} for cb in stack_created_by]
            history += [{"created": iso(start), "created_by": f"RUN /bin/sh -c pip install -r requirements-{a}.txt # buildkit",
                         "comment": "buildkit.dockerfile.v0"} for a in range(len(app_layers))]
            history.append({"created": iso(created), "created_by": "COPY . /app # buildkit", "comment": "buildkit.dockerfile.v0"})
            history.append({"created": iso(created), "created_by": "USER " + (user or "root"),
                            "comment": "buildkit.dockerfile.v0", "empty_layer": True})
            config = {
                "architecture": "amd64",
                "os": "linux",
                "created": iso(created),
                "config": {
                    "User": user,
                    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", f"APP_VERSION={tag}"],
                    "Entrypoint": ["/app/run"],
                    "WorkingDir": "/app",
                    "Labels": {"org.opencontainers.image.version": tag,
                               "org.opencontainers.image.source": f"https://git.erp.example/{repo}",
                               "com.example.base": base_name},
                },
                "rootfs": {"type": "layers", "diff_ids": [l[1] for l in layers]},
                "history": history,
            }
            if i % 3 == 0:
                config["config"]["Healthcheck"] = {"Test": ["CMD", "/app/run", "--health"], "Interval": 30000000000}
            config_bytes = json.dumps(config, separators=(",", ":")).encode()
            config_digest = store.blob(config_bytes)
            store.link_layer(repo, config_digest)
            manifest = {
                "schemaVersion": 2,
                "mediaType": MANIFEST_V2,
                "config": {"mediaType": CONFIG_V1, "size": len(config_bytes), "digest": config_digest},
                "layers": [{"mediaType": LAYER_GZIP, "size": l[2], "digest": l[0]} for l in layers],
            }
            manifest_digest = store.blob(dumps(manifest))
            store.link_revision(repo, manifest_digest)
            store.tag(repo, tag, manifest_digest)
            digests.append(manifest_digest)
            for d, _, size in layers:
                layer_requests.setdefault(d, (repo, size))
            lines.append(f"HEAD /v2/{repo}/manifests/{tag}")
            lines.append(f"GET /v2/{repo}/manifests/{manifest_digest}")
            lines.append(f"GET /v2/{repo}/blobs/{config_digest}")
            tags_total += 1
            images_total += 1
        # Aliases: latest -> newest image, then 1.N -> newest patch of minor N, newest minor first.
        n_alias = max(1, round(args.tags / 10))
        aliases = [("latest", len(tag_names) - 1)]
        minors = sorted({i // 10 for i in range(len(tag_names))}, reverse=True)
        for m in minors:
            if len(aliases) >= n_alias:
                break
            newest = max(i for i in range(len(tag_names)) if i // 10 == m)
            aliases.append((f"1.{m}", newest))
        k = 0
        while len(aliases) < n_alias:
            aliases.append((f"stable-{k}", rng.randrange(len(tag_names))))
            k += 1
        for alias, target in aliases:
            store.tag(repo, alias, digests[target])
            lines.append(f"HEAD /v2/{repo}/manifests/{alias}")
            tags_total += 1
            aliases_total += 1
        repo_requests[r] = lines
    by_repo = {}
    for d, (repo, size) in layer_requests.items():
        by_repo.setdefault(repo, []).append(f"GET /v2/{repo}/blobs/{d} bytes={size - 4}-{size - 1}")
    for r in repo_order:
        repo = f"{args.prefix}{r:0{width}d}"
        requests.extend(repo_requests[r])
        requests.extend(by_repo.get(repo, []))

    if args.paths:
        with open(args.paths, "w") as f:
            f.write("\n".join(requests) + "\n")
    summary = {
        "root": os.path.abspath(args.root), "repositories": args.repos, "tags": tags_total,
        "images": images_total, "alias_tags": aliases_total, "bases": len(BASES),
        "shared_base_layers": len(base_layers), "distinct_layers": len(layer_requests), "blobs": len(store.blobs), "blob_bytes": store.blob_bytes,
        "files": store.files, "requests_in_mix": len(requests), "seed": args.seed,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
