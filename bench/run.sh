#!/usr/bin/env bash
# Benchmark: time and peak memory of `cchc report` on a generated export.
#
#   bash bench/run.sh            # 1,000,000 rows
#   bash bench/run.sh 10000000   # 10 million rows (about 3.3 GB of CSV)
#
# Prints the release build time (incremental if already built), the input size, and for each
# run the wall time, CPU time and peak resident memory from /usr/bin/time (GNU time), falling
# back to bash's `time` when GNU time is not installed (then without memory). CCHC_TIMINGS=1
# makes cchc print how long reading and computing took.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
data=${BENCH_DIR:-/tmp}/cchc-bench-$rows.csv

start=$(date +%s)
cargo build --release --quiet --bin cchc --example generate
echo "release build: $(( $(date +%s) - start )) s"

if [ ! -s "$data" ]; then
  ./target/release/examples/generate --rows "$rows" --seed 1 > "$data"
fi
echo "input: $data, $rows rows, $(du -h "$data" | cut -f1)"

run() {
  echo "== cchc report $*"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KiB" ./target/release/cchc report "$@" > /dev/null || true
  else
    time (./target/release/cchc report "$@" > /dev/null || true)
  fi
}
CCHC_TIMINGS=1 run "$data" --format json
CCHC_TIMINGS=1 run "$data" --format json --period month --by unit
