#!/usr/bin/env bash
# Crawl benchmark of image-census against a local CNCF Distribution registry.
#
#   scripts/bench/crawl-benchmark.sh [--repos 200] [--tags 50] [--seed 42]
#   scripts/bench/crawl-benchmark.sh --images 100000 --heap 1g      # memory mode (takes longer)
#
# Options:
#   --repos N          repositories bench/app-NNNN (default 200)
#   --tags N           image tags per repository (default 50); every repository gets another
#                      max(1, round(N/10)) alias tags (latest, 1.4, ...) pointing at its images
#   --images N         size the estate by images instead: repos = ceil(N / tags)
#   --heap SIZE        driver heap of both crawls (JAVA_OPTS=-XmxSIZE); adds the memory target
#   --seed N           estate seed (default 42)
#   --wrk-duration D   duration of each wrk run (default 10s)
#   --workdir DIR      put the estate, registry and warehouse here (default: a new /tmp dir)
#   --keep             keep the work directory (estate, warehouse, logs) afterwards
#   --in-place         build and run the job in this checkout instead of a private copy of it
#   --source tree|head the private copy is of the working tree (default; when it does not build,
#                      the last commit is used instead, with a note) or of the last commit (HEAD)
#
# What it does, all in one run on the same machine:
#   1. builds the job once (mvn -q -B -DskipTests package) in a private copy of the checkout's
#      sources (or in place with --in-place), so concurrent edits and builds cannot change it;
#   2. writes the estate straight into a registry storage tree (make-estate.py), with the crawl's
#      request mix for wrk (per repository: tags/list; per tag: HEAD; per image: manifest GET and
#      config GET; per distinct layer: the ranged GET of its gzip trailer; wrk sends the HEADs as
#      GETs, see mix.lua);
#   3. serves it with docker-registry on a free 127.0.0.1 port;
#   4. wrk -t2 -c8 (the crawl's concurrency) and -t2 -c4 with that mix: the registry's capacity;
#      then HttpMix.java, the crawl's HTTP client alone at concurrency 8 (no Spark): its ceiling;
#   5. wrk -c8 right before and right after a cold crawl into an empty warehouse (their mean is
#      the target's reference: the registry's capacity drifts within minutes), then a warm crawl
#      (next snapshot date, same warehouse), then an incremental night: the estate with one
#      repository more (the others are byte-identical) is merged into the registry's tree and a
#      third crawl takes it in (its time is information, its request count is checked);
#   6. prints the figures with PASS/FAIL against the targets:
#        cold crawl req/s (requests / crawl stage seconds) >= 0.75 x wrk -c8 req/s (the mean of
#        the runs right before and right after the cold crawl)
#        warm requests beyond the catalog and tag lists <= 1 per tag
#        warm crawl stage seconds <= 0.2 x cold crawl stage seconds
#        with --heap: both crawls succeed within that heap (no OutOfMemoryError)
#      and checks that the cold and the incremental crawl sent exactly the requests they need
#      (listings, 1 HEAD per tag, manifest and config per new image, 1 per new layer)
# The crawl, wrk and the registry share the machine's cores: every CPU second the crawl's JVM
# spends is taken from the registry, which a registry on hosts of its own would not feel. During
# each crawl registry-busy.py samples the registry's CPU, which splits the crawl stage into the time
# the registry was busy (the request waves) and the time it waited for the crawl (Spark work
# between the waves).
# "crawl Xs" is the crawl stage as the job's summary line reports it; the whole command also
# pays JVM and Spark start-up (~6-7 s), the model and the write stage, reported separately.
# Exit code 0 when every target passes, 1 when one fails, 2 on bad arguments or set-up failure.
set -euo pipefail
# The whole script is one brace group, so bash parses all of it before running any of it: editing
# this file while a long run is under way cannot change what that run executes.
{

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

repos=200 tags=50 images="" heap="" seed=42 wrk_duration=10s workdir="" keep=0 in_place=0 source=tree
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --repos) repos=$2; shift 2 ;;
    --tags) tags=$2; shift 2 ;;
    --images) images=$2; shift 2 ;;
    --heap) heap=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --wrk-duration) wrk_duration=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --in-place) in_place=1; shift ;;
    --source) source=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "crawl-benchmark: unknown option '$1'; see --help" >&2; exit 2 ;;
  esac
done
for v in "$repos" "$tags" "$seed" ${images:+"$images"}; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "crawl-benchmark: '$v' is not a number" >&2; exit 2; }
done
[ "$source" = tree ] || [ "$source" = head ] || { echo "crawl-benchmark: --source is tree or head" >&2; exit 2; }
[ -z "$heap" ] || [[ "$heap" =~ ^[0-9]+[kKmMgG]?$ ]] || { echo "crawl-benchmark: --heap '$heap' is not a JVM size like 1g" >&2; exit 2; }
if [ -n "$images" ]; then
  repos=$(( (images + tags - 1) / tags ))
fi
for tool in docker-registry wrk python3 mvn java curl unzip; do
  command -v "$tool" >/dev/null || { echo "crawl-benchmark: $tool is not installed" >&2; exit 2; }
done

# The command that reproduces this run (printed at the end).
repro="scripts/bench/crawl-benchmark.sh --repos $repos --tags $tags --seed $seed --wrk-duration $wrk_duration${heap:+ --heap $heap}"
[ -z "$images" ] || repro="scripts/bench/crawl-benchmark.sh --images $images --tags $tags --seed $seed --wrk-duration $wrk_duration${heap:+ --heap $heap}"

[ "$in_place" = 0 ] || repro="$repro --in-place"
[ "$source" = tree ] || repro="$repro --source $source"
if [ -n "$workdir" ]; then
  mkdir -p "$workdir"; work=$(cd "$workdir" && pwd)
  [ -z "$(ls -A "$work")" ] || { echo "crawl-benchmark: --workdir $work is not empty" >&2; exit 2; }
else
  work=$(mktemp -d /tmp/crawl-bench.XXXXXX)
fi
registry_pid="" crawl_pid=""
cleanup() {
  local rc=$?
  if [ -n "$crawl_pid" ] && kill -0 "$crawl_pid" 2>/dev/null; then kill -- "-$crawl_pid" 2>/dev/null || true; fi
  if [ -n "$registry_pid" ] && kill -0 "$registry_pid" 2>/dev/null; then
    kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true
  fi
  if [ "$keep" = 1 ]; then echo "crawl-benchmark: kept $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo PASS; else echo FAIL; fi; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)

say "== crawl-benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ) in $work"
say "machine: nproc $(nproc), $(awk '/MemTotal/ { printf "%.1f GiB RAM", $2/1048576 }' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "java: $(java -version 2>&1 | head -1); $(java -version 2>&1 | sed -n 2p)"
say "registry: $(docker-registry --version 2>&1 | head -1); wrk: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"

# 1. Build once, so neither crawl's wall time includes Maven. By default the build happens in a
#    private copy of the working tree (pom.xml, jobs/ without target/, scripts/image-census): other
#    people edit and build /work/main while the benchmark runs, and a concurrent 'mvn package' there
#    was seen replacing jobs/target/image-census.jar with a 7 KB jar without classes mid-run.
#    --in-place builds and runs the checkout itself, as a user would.
t=$(now)
build_cmd="mvn -q -B -DskipTests package"
# build DIR LOG: the job's package; falls back to skipping test compilation, which may lag behind
# a change of the main code while someone is mid-change (the benchmark needs only the main code).
build() {
  if (cd "$1" && $build_cmd) > "$2" 2>&1; then return 0; fi
  if grep -q 'testCompile' "$2" && (cd "$1" && mvn -q -B -Dmaven.test.skip=true package) >> "$2" 2>&1; then
    say "note: '$build_cmd' failed in testCompile; built with -Dmaven.test.skip=true instead:"
    grep -m3 '^\[ERROR\] /' "$2" | sed 's/^/  /' || true
    build_cmd="mvn -q -B -Dmaven.test.skip=true package"
    return 0
  fi
  return 1
}
tree_state() { echo "$(cd "$root" && git log -1 --format='commit %h' 2>/dev/null || echo 'no commit'), $(cd "$root" && git status --porcelain -- jobs pom.xml scripts/image-census 2>/dev/null | wc -l) changed or new files under jobs/, pom.xml, scripts/image-census"; }
if [ "$in_place" = 1 ]; then
  job="$root"; source_state="$root at $(tree_state)"
  build "$job" "$work/build.log" || {
    say "build failed (cd $job && $build_cmd):"; grep -E '^\[ERROR\]' "$work/build.log" | head -20; exit 2; }
else
  job="$work/job"
  copy_source() {  # tree|head
    rm -rf "$job"; mkdir -p "$job/scripts" "$job/jobs"
    if [ "$1" = head ]; then
      (cd "$root" && git archive HEAD pom.xml jobs scripts/image-census) | (cd "$job" && tar -xf -)
    else
      cp "$root/pom.xml" "$job/pom.xml"
      (cd "$root/jobs" && tar --exclude=./target -cf - .) | (cd "$job/jobs" && tar -xf -)
      cp "$root/scripts/image-census" "$job/scripts/image-census"
    fi
  }
  if [ "$source" = tree ]; then
    source_state="working tree of $root at $(tree_state)"
    copy_source tree
    if ! build "$job" "$work/build.log"; then
      # Someone is mid-change; benchmark the last commit rather than nothing.
      say "note: the working tree does not build (the first errors below); benchmarking the last commit instead"
      grep -E '^\[ERROR\] /' "$work/build.log" | head -3 | sed 's/^/  /'  || true
      source=head
    fi
  fi
  if [ "$source" = head ]; then
    source_state="$(cd "$root" && git log -1 --format='commit %h (%s)' | cut -c1-100) of $root"
    copy_source head
    build "$job" "$work/build.log" || {
      say "build failed (cd $job && $build_cmd):"; grep -E '^\[ERROR\]' "$work/build.log" | head -20; exit 2; }
  fi
fi
unzip -l "$job/jobs/target/image-census.jar" 2>/dev/null | grep -q 'io/imagecensus/cli/Main.class' || {
  say "build produced no usable jar: $job/jobs/target/image-census.jar lacks io/imagecensus/cli/Main.class"; exit 2; }
say "build: $build_cmd in $job in $(since "$t")s (source: $source_state)"

# 2. The estate.
t=$(now)
estate_json=$(python3 "$here/make-estate.py" "$work/registry" --repos "$repos" --tags "$tags" --seed "$seed" --paths "$work/paths.txt")
jget() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
est_tags=$(jget "$estate_json" tags); est_images=$(jget "$estate_json" images)
say "estate: $repos repositories, $est_tags tags ($(jget "$estate_json" alias_tags) aliases), $est_images images, $(jget "$estate_json" blobs) blobs, $(jget "$estate_json" distinct_layers) distinct layers ($(jget "$estate_json" shared_base_layers) shared base layers from $(jget "$estate_json" bases) bases), $(jget "$estate_json" files) files, written in $(since "$t")s (seed $seed)"

# 3. The registry.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
cat > "$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
EOF
REGISTRY_HTTP_ADDR="127.0.0.1:$port" REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY="$work/registry" \
  docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
  curl -fs -o /dev/null "$url/v2/" && break
  kill -0 "$registry_pid" 2>/dev/null || { say "docker-registry exited:"; cat "$work/registry.log"; exit 2; }
  sleep 0.1
done
curl -fs -o /dev/null "$url/v2/" || { say "docker-registry did not answer on $url"; exit 2; }
say "registry: docker-registry serve on $url (pid $registry_pid)"

# The job's configuration: the benchmark's registry and component, the team's crawl settings.
config="$work/census.yaml"
{
  say "warehouse: file:$work/warehouse"
  say "registries:"
  say "  - {name: bench, url: \"$url\", insecure: true}"
  say "components:"
  say "  - {name: estate, registry: bench, repositories: [\"bench/*\"]}"
  awk '/^crawl:/ { on = 1 } on && /^[^ #]/ && !/^crawl:/ { on = 0 } on' "$root/conf/image-census.yaml"
} > "$config"
page_size=$(awk '/^crawl:/ { on = 1; next } on && /^[^ #]/ { on = 0 } on && $1 == "page-size:" { print $2 }' "$config")
page_size=${page_size:-1000}
listing=$(python3 "$here/listing-requests.py" "$url" --page-size "$page_size" --prefix bench/)
catalog_requests=$(jget "$listing" catalog_requests); taglist_requests=$(jget "$listing" tag_list_requests)
est_layers=$(jget "$estate_json" distinct_layers)
expected_cold=$(( catalog_requests + taglist_requests + est_tags + 2 * est_images + est_layers ))
say "listing: $catalog_requests _catalog page(s) and $taglist_requests tags/list page(s) at n=$page_size; a cold crawl needs $expected_cold requests (those + 1 HEAD per tag + 1 manifest and 1 config GET per image + 1 ranged GET per distinct layer)"

# 4. wrk with the crawl's mix.
run_wrk() {  # connections -> sets wrk_rps, wrk_non2xx, wrk_errors; output in $work/wrk-cN.txt
  local c=$1 out="$work/wrk-c$1.txt"
  wrk -t2 -c"$c" -d"$wrk_duration" --timeout 10s -s "$here/mix.lua" "$url" -- "$work/paths.txt" > "$out" 2>&1 || true
  wrk_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  wrk_non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out"); wrk_non2xx=${wrk_non2xx:-0}
  wrk_errors=$(awk '/Socket errors:/ { s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s }' "$out"); wrk_errors=${wrk_errors:-0}
  [ -n "$wrk_rps" ] || { say "wrk failed:"; cat "$out"; exit 2; }
}
wrk_cmd="wrk -t2 -c8 -d$wrk_duration --timeout 10s -s scripts/bench/mix.lua $url -- PATHS"
run_wrk 4; wrk4_rps=$wrk_rps; wrk4_bad=$((wrk_non2xx + wrk_errors))
r0=$(cpu_ticks "$registry_pid"); t=$(now)
run_wrk 8; wrk8_rps=$wrk_rps; wrk8_bad=$((wrk_non2xx + wrk_errors))
wrk8_reg_seconds=$(calc "%.2f" "($(cpu_ticks "$registry_pid") - $r0) / $hz")
wrk8_reg_cpu=$(calc "%.0f" "$wrk8_reg_seconds / $(since "$t") * 100")
wrk8_requests=$(awk '/requests in/ { print $1 }' "$work/wrk-c8.txt")
say "wrk: -c8 $wrk8_rps req/s (registry at ${wrk8_reg_cpu}% of one core), -c4 $wrk4_rps req/s, $((wrk4_bad + wrk8_bad)) non-2xx or socket errors"
# The registry's own rate per request type (wrk -c8, 5 s each). Requests differ a lot in cost: a
# manifest is served from a small file the registry reads, a blob through its blob handler, which
# costs it about twice the CPU. From these rates follows what an ideal client (no overhead of its
# own) would take for the cold and for the warm crawl, and so the best warm/cold ratio this estate
# allows on this machine.
split_type() {  # name awk-condition
  awk "$2" "$work/paths.txt" > "$work/paths-$1.txt"
}
split_type head '$1 == "HEAD"'
split_type manifest '$1 == "GET" && $2 ~ /\/manifests\/sha256:/'
split_type config '$1 == "GET" && $2 ~ /\/blobs\// && NF == 2'
split_type layer '$1 == "GET" && $2 ~ /\/blobs\// && NF == 3'
type_rps() {  # name -> req/s of wrk -c8 on that type alone
  wrk -t2 -c8 -d5s --timeout 10s -s "$here/mix.lua" "$url" -- "$work/paths-$1.txt" 2>&1 | awk '/^Requests\/sec:/ { print $2 }'
}
head_rps=$(type_rps head); manifest_rps=$(type_rps manifest); config_rps=$(type_rps config); layer_rps=$(type_rps layer)
say "wrk -c8 per request type: tag HEAD (sent as GET) $head_rps, manifest GET $manifest_rps, config GET $config_rps, layer ranged GET $layer_rps req/s"
ideal_cold=$(calc "%.1f" "($est_tags + $taglist_requests) / $head_rps + $est_images / $manifest_rps + $est_images / $config_rps + $est_layers / $layer_rps")
ideal_warm=$(calc "%.1f" "($est_tags + $taglist_requests) / $head_rps")
say "ideal client at those rates: cold ${ideal_cold}s, warm ${ideal_warm}s (tag lists counted at the HEAD rate)"

# The crawl's HTTP client (Http1Client, from the job's jar) alone, no Spark, on the first 20,000 requests of the mix.
r0=$(cpu_ticks "$registry_pid")
client_line=$(java -cp "$job/jobs/target/image-census.jar" "$here/HttpMix.java" "$url" "$work/paths.txt" 8 20000 2>&1 | tail -1 || true)
client_reg_seconds=$(calc "%.2f" "($(cpu_ticks "$registry_pid") - $r0) / $hz")
client_rps=$(sed -n 's/.* = \([0-9]*\) req\/s.*/\1/p' <<< "$client_line")
client_requests=$(sed -n 's/^HttpMix: \([0-9]*\) requests.*/\1/p' <<< "$client_line")
say "client ceiling: ${client_line:-HttpMix did not run}"

# 5. The crawls. First a short crawl of bench/app-000* into a scratch warehouse: the launcher
#    writes its class archive (class data sharing) on the first crawl after a build and maps it on
#    later runs, as every nightly run after the first does; without it the cold crawl alone would
#    pay for class loading and for writing the archive.
t=$(now)
sed -e "s#^warehouse: .*#warehouse: file:$work/training-warehouse#" -e 's#"bench/\*"#"bench/app-000*"#' "$config" > "$work/training.yaml"
( cd "$job" && JAVA_OPTS="${JAVA_OPTS:--Xmx2g}" scripts/image-census crawl --config "$work/training.yaml" --snapshot-date 2026-12-01 ) > "$work/crawl-training.log" 2>&1 \
  || { say "training crawl failed (cd $job && scripts/image-census crawl --config $work/training.yaml):"; tail -20 "$work/crawl-training.log"; exit 2; }
say "training crawl (bench/app-000*, class archive $( [ -f "$job/jobs/target/image-census.jsa" ] && echo written || echo 'not written')) in $(since "$t")s"

# The measured crawls.
java_opts="${JAVA_OPTS:--Xmx2g}"
[ -z "$heap" ] || java_opts="-Xmx$heap"
crawl() {  # label date -> sets s_* from the summary line; log in $work/crawl-LABEL.log
  local label=$1 date=$2 log="$work/crawl-$1.log" r0 t0
  local cmd="JAVA_OPTS='$java_opts' scripts/image-census crawl --config $config --snapshot-date $date"  # run in $job
  say ""
  say "-- $label crawl: (cd $job && $cmd)"
  say "   load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  : > "$log"
  r0=$(cpu_ticks "$registry_pid"); t0=$(now)
  ( cd "$job" && exec setsid env JAVA_OPTS="$java_opts -Xlog:gc:file=$work/gc-$label.log" \
      /usr/bin/time -f 'time: %e s wall, %U s user, %S s sys, max RSS %M KB' -o "$work/time-$label.txt" \
      scripts/image-census crawl --config "$config" --snapshot-date "$date" ) > "$log" 2>&1 &
  crawl_pid=$!
  python3 "$here/registry-busy.py" "$registry_pid" "$crawl_pid" > "$work/busy-$label.txt" 2>&1 &
  local busy_pid=$!
  tail -n +1 -f --pid="$crawl_pid" "$log" | grep --line-buffered -E '^crawl |image-census|Exception|Error' | sed -u 's/^/   | /' || true
  local rc=0; wait "$crawl_pid" || rc=$?
  crawl_pid=""
  wait "$busy_pid" || true
  s_wall=$(since "$t0")
  s_reg_cpu=$(calc "%.1f" "($(cpu_ticks "$registry_pid") - $r0) / $hz")
  s_rc=$rc
  s_time=$(cat "$work/time-$label.txt" 2>/dev/null | grep '^time:' || true)
  s_rss_mb=$(sed -n 's/.*max RSS \([0-9]*\) KB.*/\1/p' <<< "$s_time"); s_rss_mb=$(( ${s_rss_mb:-0} / 1024 ))
  touch "$work/gc-$label.log"
  s_heap_peak=$(sed -n 's/.*->\([0-9]*\)M(\([0-9]*\)M).*/\1/p' "$work/gc-$label.log" | sort -n | tail -1)
  s_heap_max=$(sed -n 's/.*->[0-9]*M(\([0-9]*\)M).*/\1/p' "$work/gc-$label.log" | sort -n | tail -1)
  s_gcs=$(grep -c 'Pause' "$work/gc-$label.log" || true)
  s_full_gcs=$(grep -c 'Pause Full' "$work/gc-$label.log" || true)
  s_oom=$(grep -c 'OutOfMemoryError' "$log" || true)
  s_rebuilt=$(grep -c 'building the job' "$log" || true)
  local line
  line=$(grep -E "^image-census crawl [a-z]+ for $date:" "$log" | tail -1 || true)
  # Each figure is matched on its own, so new fields in the summary line do not break the parse.
  field() { if [[ "$line" =~ $1 ]]; then echo "${BASH_REMATCH[1]}"; fi; }
  s_status=$(field 'crawl ([a-z]+) for') s_repos=$(field '([0-9]+) repositories') s_tags=$(field '([0-9]+) tags')
  s_images=$(field '([0-9]+) images') s_requests=$(field '([0-9]+) requests')
  s_mf=$(field 'manifests fetched ([0-9]+)') s_mr=$(field 'manifests fetched [0-9]+ reused ([0-9]+)')
  s_cf=$(field 'configs fetched ([0-9]+)') s_cr=$(field 'configs fetched [0-9]+ reused ([0-9]+)')
  s_layers=$(field 'layers [a-z]* ?([0-9]+)')
  s_errors=$(field '([0-9]+) crawl errors') s_crawl=$(field 'crawl ([0-9.]+)s')
  s_model=$(field 'model ([0-9.]+)s') s_write=$(field 'write ([0-9.]+)s')
  s_stages=$(field 'write [0-9.]+s \(([^)]*)\)')
  if [ -z "$s_layers" ]; then  # not in the summary line (yet): the last progress line may have it
    s_layers=$(grep '^crawl ' "$log" | tail -1 | sed -n 's/.*layers [a-z]* *\([0-9][0-9]*\).*/\1/p' || true)
  fi
  if [ "$rc" -ne 0 ] || [ -z "$s_requests" ] || [ -z "$s_crawl" ] || [ -z "$s_tags" ]; then
    s_ok=0
    say "   $label crawl FAILED (exit $rc) after ${s_wall}s; last lines of $log:"
    grep -v '^crawl ' "$log" | tail -25 | sed 's/^/   ! /'
    say "   reproduce (the estate is deterministic):"
    say "     python3 scripts/bench/make-estate.py /tmp/estate --repos $repos --tags $tags --seed $seed"
    say "     REGISTRY_HTTP_ADDR=127.0.0.1:$port REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=/tmp/estate docker-registry serve $work/registry.yml &"
    say "     $cmd   # config kept with --keep: $(cat "$config" | tr '\n' ' ' | cut -c1-200)..."
    return 0
  fi
  s_ok=1
  s_startup=$(calc "%.1f" "$s_wall - $s_crawl - $s_model - $s_write")
  # The registry works only while the crawl sends requests: the rest of the crawl stage is Spark
  # work between the request waves, during which the registry waits (scripts/bench/registry-busy.py).
  s_busy=$(grep -xE '[0-9]+\.[0-9]' "$work/busy-$label.txt" || true)
  s_idle=""; [ -z "$s_busy" ] || s_idle=$(calc "%.1f" "$s_crawl - $s_busy")
  say "   $s_time; registry CPU ${s_reg_cpu}s; heap peak after GC ${s_heap_peak:-?} MB of ${s_heap_max:-?} MB, $s_gcs GC pauses ($s_full_gcs full)"
  [ -z "$s_stages" ] || say "   stages: $s_stages"
  [ -z "$s_busy" ] || say "   registry busy ${s_busy}s of the ${s_crawl}s crawl stage, idle ${s_idle}s (Spark work between the request waves)"
  say "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  [ "$s_rebuilt" = 0 ] || say "   note: the launcher rebuilt the job during this run (sources changed); the whole-command time includes Maven"
}

# The target's reference, measured right before and right after the cold crawl: on this shared
# (virtual) machine the registry's capacity drifts within minutes (seen: 1,597 req/s at the start
# of a run and 1,245 req/s four minutes later), and a ratio is only as good as the reference it is
# divided by. The mean of the two is the registry's capacity while the cold crawl ran.
run_wrk 8; wrk8_pre_rps=$wrk_rps
crawl cold 2026-12-04
c_ok=$s_ok
run_wrk 8; wrk8_post_rps=$wrk_rps
wrk8_ref_rps=$(calc "%.2f" "($wrk8_pre_rps + $wrk8_post_rps) / 2")
say "   wrk -c8 right before the cold crawl $wrk8_pre_rps req/s, right after it $wrk8_post_rps req/s: reference $wrk8_ref_rps req/s"
if [ "$c_ok" = 1 ]; then
  c_requests=$s_requests c_crawl=$s_crawl c_wall=$s_wall c_model=$s_model c_write=$s_write c_startup=$s_startup
  c_tags=$s_tags c_images=$s_images c_errors=$s_errors c_status=$s_status c_mf=$s_mf c_cf=$s_cf c_mr=$s_mr c_cr=$s_cr c_layers=$s_layers c_stages=$s_stages
  # Layer reads are not in the summary line: what the requests leave after listings, tags, manifests and configs.
  [ -n "$c_layers" ] || c_layers="$(( s_requests - catalog_requests - taglist_requests - s_tags - s_mf - s_cf )) (derived)"
  c_busy=$s_busy c_idle=$s_idle c_reg_cpu=$s_reg_cpu c_time=$s_time c_oom=$s_oom c_heap_peak=${s_heap_peak:-?} c_rss_mb=$s_rss_mb
  crawl warm 2026-12-05
else
  s_ok=0
fi
w_ok=$s_ok
if [ "$w_ok" = 1 ]; then
  w_requests=$s_requests w_crawl=$s_crawl w_wall=$s_wall w_model=$s_model w_write=$s_write w_startup=$s_startup
  w_tags=$s_tags w_errors=$s_errors w_status=$s_status w_mf=$s_mf w_cf=$s_cf w_mr=$s_mr w_cr=$s_cr w_layers=$s_layers w_stages=$s_stages
  [ -n "$w_layers" ] || w_layers="$(( s_requests - catalog_requests - taglist_requests - s_tags - s_mf - s_cf )) (derived)"
  w_busy=$s_busy w_idle=$s_idle w_reg_cpu=$s_reg_cpu w_oom=$s_oom w_heap_peak=${s_heap_peak:-?} w_rss_mb=$s_rss_mb
fi

# The incremental night (information): one new repository, everything else unchanged.
i_ok=0
if [ "$w_ok" = 1 ]; then
  # The same estate with one repository more, merged into the served tree: only new files are added.
  more_json=$(python3 "$here/make-estate.py" "$work/registry-more" --repos "$((repos + 1))" --tags "$tags" --seed "$seed")
  cp -a -n "$work/registry-more/." "$work/registry/" && rm -rf "$work/registry-more"
  i_new_tags=$(( $(jget "$more_json" tags) - est_tags )); i_new_images=$(( $(jget "$more_json" images) - est_images ))
  i_new_layers=$(( $(jget "$more_json" distinct_layers) - est_layers ))
  more_listing=$(python3 "$here/listing-requests.py" "$url" --page-size "$page_size" --prefix bench/)
  i_expected=$(( $(jget "$more_listing" catalog_requests) + $(jget "$more_listing" tag_list_requests) + est_tags + i_new_tags + 2 * i_new_images + i_new_layers ))
  crawl incremental 2026-12-06
  i_ok=$s_ok
  [ "$i_ok" != 1 ] || { i_requests=$s_requests i_crawl=$s_crawl i_stages=$s_stages i_time=$s_time; }
fi

# 6. Figures.
say ""
say "== results ($repos repositories x $tags tags, seed $seed; $(nproc) cores shared by registry, wrk and crawl)"
fails=0
row() { printf '  %-44s %s\n' "$1" "$2"; }
check() { printf '  %-44s %-34s %s\n' "$1" "$2" "$3"; [ "$3" != FAIL ] || fails=$((fails + 1)); }
row "tags / images in the estate" "$est_tags / $est_images"
row "wrk -t2 -c8 (target reference)" "$wrk8_ref_rps req/s: mean of $wrk8_pre_rps right before and $wrk8_post_rps right after the cold crawl (at the start $wrk8_rps)"
row "wrk -t2 -c4" "$wrk4_rps req/s"
row "wrk -c8 per type: manifest GET" "$manifest_rps req/s (tag HEAD sent as GET $head_rps, config GET $config_rps, layer ranged GET $layer_rps)"
if [ "$c_ok" = 1 ]; then
  c_rps=$(calc "%.0f" "$c_requests / $c_crawl")
  ratio=$(calc "%.2f" "$c_rps / $wrk8_ref_rps")
  ratio4=$(calc "%.2f" "$c_rps / $wrk4_rps")
  row "cold: status, tags, images, crawl errors" "$c_status, $c_tags tags, $c_images images, $c_errors errors"
  check "cold: requests (= expected)" "$c_requests ($expected_cold)" "$(verdict "$c_requests == $expected_cold")"
  row "cold: manifests / configs / layers read" "$c_mf / $c_cf / ${c_layers:-?} (reused $c_mr / $c_cr)"
  row "cold: crawl stage seconds" "$c_crawl s${c_stages:+ ($c_stages)}"
  row "cold: whole command wall seconds" "$c_wall s (start-up+other $c_startup s, model $c_model s, write $c_write s)"
  row "cold: req/s over the whole command" "$(calc "%.0f" "$c_requests / $c_wall") req/s"
  row "cold: registry CPU during the crawl" "$c_reg_cpu s ($(calc "%.0f" "$c_reg_cpu / $c_wall * 100")% of one core)"
  check "cold: req/s of the crawl stage" "$c_rps req/s" ""
  row "cold: requests per image, images per second" "$(calc "%.2f" "$c_requests / $est_images"), $(calc "%.0f" "$est_images / $c_crawl") images/s"
  check "cold/wrk -c8 ratio (target >= 0.75)" "$ratio" "$(verdict "$ratio >= 0.75")"
  row "cold/wrk -c8 before, after it (information)" "$(calc "%.2f" "$c_rps / $wrk8_pre_rps"), $(calc "%.2f" "$c_rps / $wrk8_post_rps")"
  row "cold/wrk -c4 ratio (information)" "$ratio4"
  if [ -n "$c_busy" ]; then
    row "cold: registry busy / idle in the crawl stage" "$c_busy s / $c_idle s (idle: Spark work between the waves)"
    row "cold: req/s while the registry was busy (info)" "$(calc "%.0f" "$c_requests / $c_busy") req/s = $(calc "%.2f" "$c_requests / $c_busy / $wrk8_ref_rps") x wrk -c8"
  fi
  row "cold/ideal client at per-type rates (info)" "$(calc "%.2f" "$ideal_cold / $c_crawl") (ideal ${ideal_cold}s for the cold requests)"
  [ -z "$client_rps" ] || row "HTTP client alone/wrk -c8 (information)" "$(calc "%.2f" "$client_rps / $wrk8_rps") ($client_rps req/s, scripts/bench/HttpMix.java)"
  # The registry is CPU-bound here: what one request costs it bounds every client's rate. The same
  # requests cost it more when they come from a client that answers more slowly than wrk.
  row "registry CPU per request (information)" "wrk -c8 $(calc "%.2f" "$wrk8_reg_seconds * 1000 / ${wrk8_requests:-1}") ms${client_requests:+, HTTP client alone $(calc "%.2f" "$client_reg_seconds * 1000 / $client_requests") ms}, cold crawl $(calc "%.2f" "$c_reg_cpu * 1000 / $c_requests") ms"
else
  check "cold crawl" "failed, see above" FAIL
fi
if [ "$w_ok" = 1 ]; then
  beyond=$(( w_requests - catalog_requests - taglist_requests ))
  per_tag=$(calc "%.3f" "$beyond / $est_tags")
  tratio=$(calc "%.3f" "$w_crawl / $c_crawl")
  row "warm: status, tags, crawl errors" "$w_status, $w_tags tags, $w_errors errors"
  row "warm: manifests / configs / layers read" "$w_mf / $w_cf / ${w_layers:-?} (reused $w_mr / $w_cr)"
  row "warm: requests" "$w_requests ($catalog_requests catalog + $taglist_requests tag lists + $beyond), $(calc "%.2f" "$w_requests / $est_images") per image"
  check "warm: requests per tag beyond listings (<= 1)" "$per_tag" "$(verdict "$per_tag <= 1")"
  row "warm: crawl stage seconds" "$w_crawl s${w_stages:+ ($w_stages)}"
  [ -z "$w_busy" ] || row "warm: registry busy / idle in the crawl stage" "$w_busy s / $w_idle s"
  row "warm: whole command wall seconds" "$w_wall s (start-up+other $w_startup s, model $w_model s, write $w_write s)"
  check "warm/cold crawl stage time (<= 0.2)" "$tratio" "$(verdict "$tratio <= 0.2")"
  row "warm/cold of an ideal client (the floor)" "$(calc "%.3f" "$ideal_warm / $ideal_cold") (${ideal_warm}s / ${ideal_cold}s at the registry's per-type rates)"
  row "warm/cold whole command (information)" "$(calc "%.3f" "$w_wall / $c_wall")"
elif [ "$c_ok" = 1 ]; then
  check "warm crawl" "failed, see above" FAIL
fi
if [ "$i_ok" = 1 ]; then
  row "incremental: one new repository" "$i_new_tags tags, $i_new_images images, $i_new_layers new layers"
  row "incremental: expected requests" "$i_expected: listings + 1 per tag + the new images and layers"
  check "incremental: requests (= expected)" "$i_requests" "$(verdict "$i_requests == $i_expected")"
  row "incremental: crawl stage seconds" "$i_crawl s ($i_stages)"
  row "incremental: whole command" "${i_time#time: }"
elif [ "$w_ok" = 1 ]; then
  check "incremental crawl" "failed, see above" FAIL
fi
if [ -n "$heap" ]; then
  if [ "$c_ok" = 1 ] && [ "$w_ok" = 1 ] && [ "$c_oom" = 0 ] && [ "$w_oom" = 0 ]; then mem=PASS; else mem=FAIL; fi
  check "memory: $est_images images with -Xmx$heap" "cold heap peak ${c_heap_peak:-?} MB, RSS ${c_rss_mb:-?} MB" "$mem"
  [ "$w_ok" != 1 ] || row "memory: warm crawl" "heap peak $w_heap_peak MB, RSS $w_rss_mb MB"
else
  [ "$c_ok" != 1 ] || row "memory (JAVA_OPTS $java_opts)" "cold heap peak after GC $c_heap_peak MB, RSS $c_rss_mb MB"
fi
say ""
say "reproduce: cd $root && $repro"
say "wrk alone: $wrk_cmd   (PATHS from scripts/bench/make-estate.py --paths)"
if [ "$fails" -gt 0 ]; then say "crawl-benchmark: $fails target(s) FAILED"; exit 1; fi
say "crawl-benchmark: all targets PASS"
exit 0
}
