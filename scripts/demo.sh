#!/usr/bin/env bash
# The demo, end to end on this machine: a local registry seeded with sample ERP images, the job,
# the tables. Stops what it started. Usage: scripts/demo.sh   (DEMO_PORT=5000 by default)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
port="${DEMO_PORT:-5000}"
state="$root/.demo"

"$root/scripts/install-tools.sh"
echo "== building the job"
mvn -q -B -Dmaven.test.skip=true package

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "image-census demo: port $port is in use; run again with DEMO_PORT=<a free port>" >&2
  exit 1
fi

rm -rf "$state" && mkdir -p "$state/registry"
cat > "$state/registry.yml" <<YAML
version: 0.1
log: {level: error}
storage:
  filesystem: {rootdirectory: $state/registry}
  delete: {enabled: true}
http: {addr: 127.0.0.1:$port}
YAML
echo "== starting docker-registry on 127.0.0.1:$port"
docker-registry serve "$state/registry.yml" >"$state/registry.log" 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null || true; wait $registry_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break
  sleep 0.1
done

echo "== pushing the sample ERP estate"
java -cp "jobs/target/image-census.jar:jobs/target/lib/*" io.imagecensus.demo.SeedRegistry "http://127.0.0.1:$port"

sed "s#http://127.0.0.1:5000#http://127.0.0.1:$port#" conf/image-census.yaml > "$state/image-census.yaml"
echo "== image-census run"
scripts/image-census run --config "$state/image-census.yaml"

echo "== tables in $root/warehouse"
for table in warehouse/*/; do
  name=$(basename "$table")
  case "$name" in store | _*) continue ;; esac  # content stores; _runs, _snapshots: run records
  printf '  %-22s %s\n' "$name" "$(find "$table" -name '*.parquet' | sort | tail -n 1)"
done
echo "Query them with DuckDB, e.g.: SELECT component, count(*) FROM read_parquet('warehouse/images/*/*.parquet', hive_partitioning=true) GROUP BY 1"

# The sample estate's builds span 2026; its last quarter holds the move to distroless.
echo "== image-census report --quarter 2026-Q4"
scripts/image-census report --config "$state/image-census.yaml" --quarter 2026-Q4 --out "$root/reports"
echo "Quarterly report: $root/reports/image-census-2026-Q4.html (Markdown twin: $root/reports/image-census-2026-Q4.md)"
