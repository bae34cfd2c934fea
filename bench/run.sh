#!/usr/bin/env bash
# Benchmark: cchc against DuckDB (SQL over the CSV) and polars (lazy, streaming engine) on the
# same generated exports, every tool's numbers checked against cchc's in the same run.
#
#   bash bench/run.sh                  # 1,000,000 rows
#   bash bench/run.sh 1000000 3000000 10000000 # and 3 and 10 million (3 GB of CSV each style)
#
# For each size it generates a canonical-style export (field names, ISO dates, English codes:
# the anchors' best case) and the Vietnamese-style one (cchc only), installs duckdb and polars
# from PyPI into bench/.venv, then runs the tools in turn (A B C A B C …, ROUNDS times, default
# 3), each with the file in the page cache, measuring wall time and peak RSS with GNU time. It
# prints a Markdown table: median (min–max) and cchc's ratio to each anchor; cchc also runs on
# one core (taskset). With two sizes or more it fits cchc's peak RSS as base + bytes ×
# dossiers. At 1M rows, a peak RSS above MEMORY_LIMIT_MB (default 200) fails the run: a memory
# regression.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000000}")
rounds=${ROUNDS:-3}
data_dir=${BENCH_DIR:-/tmp}
results=$(mktemp -d)

cargo build --release --locked --quiet --bin cchc --example generate
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet duckdb polars
fi
py=bench/.venv/bin/python
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m); $($py -c 'import duckdb, polars; print("duckdb", duckdb.__version__, "polars", polars.__version__)')"

measure() { # name file command...
  local name=$1 file=$2; shift 2
  local out=$results/$name.out
  # Every tool starts with the file in the page cache: polars' 16 GB at 10M rows would otherwise
  # evict it and charge the next tool for the disk.
  cat "$file" > /dev/null
  /usr/bin/time -f "%e %M" -o "$results/time" "$@" > "$out" 2>/dev/null || true
  echo "$name $(basename "$file") $(cat "$results/time")" >> "$results/times"
}

for rows in "${sizes[@]}"; do
  canonical=$data_dir/cchc-bench-$rows-canonical.csv
  vietnamese=$data_dir/cchc-bench-$rows-vi.csv
  [ -s "$canonical" ] || ./target/release/examples/generate --rows "$rows" --seed 1 --style canonical > "$canonical"
  [ -s "$vietnamese" ] || ./target/release/examples/generate --rows "$rows" --seed 1 > "$vietnamese"
  for round in $(seq "$rounds"); do
    measure cchc "$canonical" ./target/release/cchc report "$canonical" --format json --fail-on never
    cp "$results/cchc.out" "$results/cchc-$rows.json"
    measure duckdb "$canonical" $py bench/anchors.py duckdb "$canonical"
    cp "$results/duckdb.out" "$results/duckdb-$rows.json"
    measure polars "$canonical" $py bench/anchors.py polars "$canonical"
    cp "$results/polars.out" "$results/polars-$rows.json"
    measure cchc "$vietnamese" ./target/release/cchc report "$vietnamese" --format json --fail-on never
    measure cchc-by "$canonical" ./target/release/cchc report "$canonical" --format json --fail-on never --period month --by unit
    measure cchc-1core "$canonical" taskset -c 0 ./target/release/cchc report "$canonical" --format json --fail-on never
  done
  # The comparison is honest only if every tool computed the same numbers.
  for anchor in duckdb polars; do
    if ! $py bench/anchors.py compare "$results/cchc-$rows.json" "$results/$anchor-$rows.json"; then
      echo "MISMATCH: $anchor and cchc disagree on $rows rows (above)"; exit 1
    fi
  done
  echo "numbers checked: cchc = DuckDB = polars on every indicator and year ($rows rows)"
done

$py - "$results/times" "${MEMORY_LIMIT_MB:-200}" <<'PY'
import re, sys, statistics, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    tool, file, wall, rss = line.split()
    runs[(file, tool)].append((float(wall), int(rss) / 1024))
def cell(values):
    m = statistics.median(values)
    return f"{m:.2f} ({min(values):.2f}–{max(values):.2f})"
print("\n| input | tool | wall s, median (min–max) | peak RSS MB, median | wall ÷ DuckDB | wall ÷ polars |")
print("|---|---|---|---|---|---|")
def order(item):
    (file, tool), _ = item
    rows = int(re.search(r"-(\d+)-", file).group(1))
    return (rows, "-vi" in file, ["cchc", "cchc-by", "cchc-1core", "duckdb", "polars"].index(tool)
            if tool in ("cchc", "cchc-by", "cchc-1core", "duckdb", "polars") else 9, tool)
for (file, tool), values in sorted(runs.items(), key=order):
    walls = [w for w, _ in values]
    rss = statistics.median(r for _, r in values)
    anchor = lambda name: runs.get((file, name)) or runs.get((file.replace("-vi.csv", "-canonical.csv"), name))
    ratio = lambda name: (f"{statistics.median(walls) / statistics.median(w for w, _ in anchor(name)):.2f}"
                          if anchor(name) and tool.startswith("cchc") else "")
    label = {"cchc-by": "cchc --period month --by unit", "cchc-1core": "cchc on 1 core"}.get(tool, tool)
    print(f"| {file} | {label} | {cell(walls)} | {rss:.0f} | {ratio('duckdb')} | {ratio('polars')} |")

# The issue's other ratios: the Vietnamese export against the canonical one, and a report by
# month and unit against the plain report.
median_wall = lambda file, tool: statistics.median(w for w, _ in runs[(file, tool)]) if (file, tool) in runs else None
for (file, tool) in sorted(runs, key=lambda k: order((k, None))):
    if tool != "cchc" or "-canonical" not in file:
        continue
    plain = median_wall(file, "cchc")
    vi = median_wall(file.replace("-canonical.csv", "-vi.csv"), "cchc")
    by = median_wall(file, "cchc-by")
    rows = int(re.search(r"-(\d+)-", file).group(1))
    print(f"{rows:,} rows: Vietnamese ÷ canonical {vi / plain:.2f}" if vi else f"{rows:,} rows:",
          f"· --period month --by unit ÷ plain {by / plain:.2f}" if by else "")

# cchc's memory: peak RSS = base + slope × dossiers, least squares over the canonical sizes.
points = sorted((int(re.search(r"-(\d+)-canonical", file).group(1)),
                 statistics.median(r for _, r in values))
                for (file, tool), values in runs.items() if tool == "cchc" and "-canonical" in file)
if len(points) >= 2:
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    base = my - slope * mx
    print(f"\ncchc peak RSS ≈ {base:.0f} MB + {slope * 1024 * 1024:.1f} bytes × dossiers "
          f"(fit on {', '.join(f'{x:,}' for x, _ in points)} rows)")
limit = float(sys.argv[2])
for rows, rss in points:
    if rows == 1000000 and rss > limit:
        print(f"MEMORY REGRESSION: cchc peaked at {rss:.0f} MB on 1M rows, above {limit:.0f} MB")
        sys.exit(1)
PY
rm -rf "$results"
