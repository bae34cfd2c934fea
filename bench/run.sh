#!/usr/bin/env bash
# Benchmark: cchc against DuckDB and polars on the same generated exports, every tool's numbers
# checked against cchc's in the same run.
#
#   bash bench/run.sh                             # 1,000,000 rows
#   bash bench/run.sh 1000000 10000000            # and 10 million (3 GB of CSV per style)
#   ROUNDS=5 LEGACY=0 bash bench/run.sh 1000000   # rounds per tool; skip the first anchor
#
# For each size it generates a canonical-style export (field names, ISO timestamps, English
# codes: the anchors' best case), the Vietnamese-style one and the generator's catalogue,
# installs duckdb and polars from PyPI into bench/.venv, and runs in turn (A B C A B C …,
# ROUNDS times, default 3, every file in the page cache), under GNU time (wall, peak RSS):
#   cchc            report on the canonical export (the anchors' work)
#   cchc-csv        the same as CSV, which states no SHA-256, so none is computed: the anchors'
#                   work and no more (as are cchc-vi-csv and cchc-catalogue-csv)
#   cchc-vi         report on the Vietnamese export
#   cchc-by         --period month --by unit
#   cchc-1core      on one core (taskset -c 0), and cchc-2cores on two
#   cchc-catalogue  with --catalogue (the catalogue's levels for dossiers without one)
#   cchc-i766       with --i766 (the 766 index, every period)
#   cchc-check      cchc check
#   cchc-convert    cchc convert to a Parquet dataset, then cchc-dataset: report on it
#   duckdb, polars  the typed single-scan anchors (bench/anchors.py), and -dedup with the merge
#                   of repeated ids; duckdb-varchar, the first anchor (all-VARCHAR, two scans)
# It checks each anchor's numbers against cchc's JSON and the dataset report against the CSV
# report, then prints a Markdown table (median (min–max), cchc ÷ each typed anchor), the
# ratios the speed issues set goals for, and a fit of cchc's peak RSS per dossier. A peak RSS
# of any cchc step above MEMORY_LIMIT_MB (default 300) fails the run: a memory regression.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000000}")
rounds=${ROUNDS:-3}
legacy=${LEGACY:-1}
data_dir=${BENCH_DIR:-/tmp}
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

cargo build --release --locked --quiet --bin cchc --example generate
if ! bench/.venv/bin/python -c "import duckdb, polars" >/dev/null 2>&1; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet duckdb polars
fi
py=bench/.venv/bin/python
cchc=./target/release/cchc
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m); $($py -c 'import duckdb, polars; print("duckdb", duckdb.__version__, "polars", polars.__version__)')"

measure() { # name rows file command...
  local name=$1 rows=$2 file=$3; shift 3
  # Every tool starts with its input in the page cache: polars' memory at 10M rows would
  # otherwise evict it and charge the next tool for the disk.
  cat "$file" > /dev/null 2>&1 || find "$file" -type f -exec cat {} + > /dev/null
  /usr/bin/time -f "%e %M" -o "$results/time" "$@" > "$results/$name-$rows.out" 2> "$results/$name.err" \
    || { [ "$name" = cchc-check ] || { cat "$results/$name.err"; exit 1; }; }
  echo "$rows $name $(cat "$results/time")" >> "$results/times"
}

report=(report --format json --fail-on never --no-timestamp)
for rows in "${sizes[@]}"; do
  canonical=$data_dir/cchc-bench-$rows-canonical.csv
  vietnamese=$data_dir/cchc-bench-$rows-vi.csv
  catalogue=$data_dir/cchc-bench-catalogue.csv
  dataset=$results/dataset-$rows
  [ -s "$canonical" ] || ./target/release/examples/generate --rows "$rows" --seed 1 --style canonical > "$canonical"
  [ -s "$vietnamese" ] || ./target/release/examples/generate --rows "$rows" --seed 1 > "$vietnamese"
  [ -s "$catalogue" ] || ./target/release/examples/generate --catalogue > "$catalogue"
  anchors=(duckdb duckdb-dedup polars polars-dedup)
  [ "$legacy" = 1 ] && anchors+=(duckdb-varchar)
  for round in $(seq "$rounds"); do
    measure cchc "$rows" "$canonical" $cchc "${report[@]}" "$canonical"
    for anchor in "${anchors[@]}"; do
      measure "$anchor" "$rows" "$canonical" $py bench/anchors.py "$anchor" "$canonical"
    done
    measure cchc-csv "$rows" "$canonical" $cchc report --format csv --fail-on never "$canonical"
    measure cchc-vi "$rows" "$vietnamese" $cchc "${report[@]}" "$vietnamese"
    measure cchc-vi-csv "$rows" "$vietnamese" $cchc report --format csv --fail-on never "$vietnamese"
    measure cchc-by "$rows" "$canonical" $cchc "${report[@]}" "$canonical" --period month --by unit
    measure cchc-1core "$rows" "$canonical" taskset -c 0 $cchc "${report[@]}" "$canonical"
    measure cchc-2cores "$rows" "$canonical" taskset -c 0,1 $cchc "${report[@]}" "$canonical"
    measure cchc-catalogue "$rows" "$vietnamese" $cchc "${report[@]}" "$vietnamese" --catalogue "$catalogue"
    measure cchc-catalogue-csv "$rows" "$vietnamese" $cchc report --format csv --fail-on never \
      "$vietnamese" --catalogue "$catalogue"
    measure cchc-i766 "$rows" "$vietnamese" $cchc "${report[@]}" "$vietnamese" --i766 --period month
    measure cchc-check "$rows" "$vietnamese" $cchc check "$vietnamese" --format json
    rm -rf "$dataset"
    measure cchc-convert "$rows" "$vietnamese" $cchc convert "$vietnamese" --output "$dataset"
    measure cchc-dataset "$rows" "$dataset" $cchc "${report[@]}" "$dataset"
  done
  # The comparison is honest only if every tool computed the same numbers.
  for anchor in "${anchors[@]}"; do
    if ! $py bench/anchors.py compare "$results/cchc-$rows.out" "$results/$anchor-$rows.out"; then
      echo "MISMATCH: $anchor and cchc disagree on $rows rows (above)"; exit 1
    fi
  done
  $py - "$results/cchc-vi-$rows.out" "$results/cchc-dataset-$rows.out" <<'PY'
import json, sys
csv, dataset = (json.load(open(p))["results"] for p in sys.argv[1:])
if csv != dataset:
    sys.exit("MISMATCH: the report on the dataset differs from the report on the export")
PY
  for step in cchc cchc-vi cchc-catalogue; do
    $py - "$results/$step-$rows.out" "$results/$step-csv-$rows.out" <<'PY'
import csv, json, sys
key = lambda r: (str(r["period"]), r["group"] or "", r["indicator"])
number = lambda v: None if v in (None, "") else float(v)
want = {key(r): (number(r["numerator"]), number(r["denominator"]))
        for r in json.load(open(sys.argv[1]))["results"]}
got = {key(r): (number(r["numerator"]), number(r["denominator"]))
       for r in csv.DictReader(open(sys.argv[2], encoding="utf-8-sig"))}
if got != want:
    sys.exit(f"MISMATCH: the CSV report's numbers differ from the JSON report's ({sys.argv[2]})")
PY
  done
  echo "numbers checked: cchc = every anchor on every indicator and year; the dataset report = the export report; CSV = JSON, three ways ($rows rows)"
done

$py - "$results/times" "${MEMORY_LIMIT_MB:-300}" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    rows, tool, wall, rss = line.split()
    runs[(int(rows), tool)].append((float(wall), int(rss) / 1024))
wall = lambda rows, tool: statistics.median(w for w, _ in runs[(rows, tool)])
rss = lambda rows, tool: statistics.median(r for _, r in runs[(rows, tool)])
labels = {
    "cchc": "cchc, canonical export", "cchc-csv": "cchc --format csv, canonical (no SHA-256)",
    "cchc-vi": "cchc, Vietnamese export",
    "cchc-vi-csv": "cchc --format csv, Vietnamese (no SHA-256)",
    "cchc-by": "cchc --period month --by unit", "cchc-1core": "cchc on 1 core (taskset)",
    "cchc-2cores": "cchc on 2 cores (taskset)", "cchc-catalogue": "cchc --catalogue (Vietnamese)",
    "cchc-catalogue-csv": "cchc --catalogue --format csv (no SHA-256)",
    "cchc-i766": "cchc --i766 --period month (Vietnamese)", "cchc-check": "cchc check (Vietnamese)",
    "cchc-convert": "cchc convert (Vietnamese)", "cchc-dataset": "cchc report on the dataset",
    "duckdb": "DuckDB, typed single scan", "duckdb-dedup": "DuckDB, typed, with dedup",
    "polars": "polars streaming, typed single scan", "polars-dedup": "polars, typed, with dedup",
    "duckdb-varchar": "DuckDB, all-VARCHAR two scans (first anchor)",
}
order = list(labels)
# Report-like steps are compared with the anchors; convert and check do other work.
compared = {"cchc", "cchc-csv", "cchc-vi", "cchc-vi-csv", "cchc-by", "cchc-1core", "cchc-2cores",
            "cchc-catalogue", "cchc-catalogue-csv", "cchc-dataset"}
print("\n| rows | step | wall s, median (min–max) | peak RSS MB | ÷ DuckDB typed | ÷ polars typed |")
print("|---|---|---|---|---|---|")
for (rows, tool) in sorted(runs, key=lambda k: (k[0], order.index(k[1]) if k[1] in order else 99)):
    walls = [w for w, _ in runs[(rows, tool)]]
    ratio = lambda anchor: (f"{wall(rows, tool) / wall(rows, anchor):.2f}"
                            if tool in compared and (rows, anchor) in runs else "")
    print(f"| {rows:,} | {labels.get(tool, tool)} | {statistics.median(walls):.2f} "
          f"({min(walls):.2f}–{max(walls):.2f}) | {rss(rows, tool):.0f} | {ratio('duckdb')} | {ratio('polars')} |")
print()
for rows in sorted({r for r, _ in runs}):
    parts = []
    pair = lambda a, b: (rows, a) in runs and (rows, b) in runs
    if pair("cchc-vi", "cchc"):
        parts.append(f"Vietnamese ÷ canonical {wall(rows, 'cchc-vi') / wall(rows, 'cchc'):.2f}")
    for json_step, name in (("cchc", "canonical"), ("cchc-vi", "Vietnamese"), ("cchc-catalogue", "--catalogue")):
        if pair(f"{json_step}-csv", json_step):
            parts.append(f"CSV (no SHA-256) ÷ JSON, {name} {wall(rows, json_step + '-csv') / wall(rows, json_step):.2f}")
    if pair("cchc-by", "cchc"):
        parts.append(f"--period month --by unit ÷ plain {wall(rows, 'cchc-by') / wall(rows, 'cchc'):.2f}")
    if pair("cchc-i766", "cchc-vi"):
        parts.append(f"--i766 ÷ plain: time {wall(rows, 'cchc-i766') / wall(rows, 'cchc-vi'):.2f}, "
                     f"RSS {rss(rows, 'cchc-i766') / rss(rows, 'cchc-vi'):.2f}")
    if pair("cchc-convert", "cchc-vi"):
        parts.append(f"convert ÷ report {wall(rows, 'cchc-convert') / wall(rows, 'cchc-vi'):.2f}")
    if pair("cchc-1core", "cchc-2cores"):
        parts.append(f"1 core ÷ 2 cores {wall(rows, 'cchc-1core') / wall(rows, 'cchc-2cores'):.2f}")
    print(f"{rows:,} rows: " + " · ".join(parts))

# cchc's memory: peak RSS = base + slope × dossiers, least squares over the sizes.
points = sorted((rows, rss(rows, "cchc")) for rows, tool in runs if tool == "cchc")
if len(points) >= 2:
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    print(f"\ncchc peak RSS ≈ {my - slope * mx:.0f} MB + {slope * 1024 * 1024:.1f} bytes × dossiers "
          f"(fit on {', '.join(f'{x:,}' for x, _ in points)} rows)")
limit = float(sys.argv[2])
over = [(rows, tool, rss(rows, tool)) for rows, tool in runs if tool.startswith("cchc") and rss(rows, tool) > limit]
for rows, tool, peak in over:
    print(f"MEMORY REGRESSION: {labels.get(tool, tool)} peaked at {peak:.0f} MB on {rows:,} rows, above {limit:.0f} MB")
sys.exit(1 if over else 0)
PY
