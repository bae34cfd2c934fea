#!/usr/bin/env bash
# Scaling note (issue 12): the two ways past one process, measured in one run.
#
#   bash bench/scale.sh                  # 1,000,000 rows
#   bash bench/scale.sh 1000000 10000000
#
# For each size it generates the Vietnamese-style export (the project's generator) and times,
# with GNU time (wall seconds, peak RSS):
#   report   cchc report FILE                          (read + compute, one process)
#   convert  cchc convert FILE --output DIR            (read once, write the Parquet dataset)
#   duckdb   the SQL of `cchc sql --dialect duckdb` over DIR, in DuckDB (Python package)
#   report-dataset  cchc report DIR                    (the dataset read back by cchc)
# and checks that DuckDB's rows equal cchc's report, number for number, before printing.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000000}")
data_dir=${BENCH_DIR:-/tmp}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --locked --quiet --bin cchc --example generate
if ! bench/.venv/bin/python -c "import duckdb" >/dev/null 2>&1; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet duckdb polars
fi
py=bench/.venv/bin/python
cchc=./target/release/cchc
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m); $($py -c 'import duckdb; print("duckdb", duckdb.__version__)')"

measure() { # name rows command...
  local name=$1 rows=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/$name-$rows.out" 2> "$work/$name.err" \
    || { cat "$work/$name.err"; exit 1; }
  echo "$rows $name $(cat "$work/time")" >> "$work/times"
}

for rows in "${sizes[@]}"; do
  export_file=$data_dir/cchc-bench-$rows-vi.csv
  [ -s "$export_file" ] || ./target/release/examples/generate --rows "$rows" --seed 1 > "$export_file"
  dataset=$work/dataset-$rows
  measure report "$rows" $cchc report "$export_file" --format json --fail-on never --no-timestamp
  measure convert "$rows" $cchc convert "$export_file" --output "$dataset"
  $cchc sql --dialect duckdb --table "read_parquet('$dataset/dossiers/*.parquet')" --output "$work/q.sql"
  measure duckdb "$rows" $py -c "
import duckdb, json, sys
con = duckdb.connect(); con.execute('SET enable_progress_bar = false'); rows = con.execute(open('$work/q.sql').read()).fetchall()
json.dump(rows, sys.stdout)"
  measure report-dataset "$rows" $cchc report "$dataset" --format json --fail-on never --no-timestamp
  $py - "$work/report-$rows.out" "$work/duckdb-$rows.out" "$work/report-dataset-$rows.out" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
want = sorted(
    [r["period"], r["group"], r["indicator"], r["numerator"], r["denominator"]]
    for r in report["results"]
    if r["source"] == "dossiers" and r["indicator"] != "digitized_results_growth"
)
got = sorted(list(r) for r in json.load(open(sys.argv[2])))
if got != want:
    sys.exit(f"MISMATCH: DuckDB's rows differ from cchc report's ({len(got)} vs {len(want)} rows)")
if json.load(open(sys.argv[3]))["results"] != report["results"]:
    sys.exit("MISMATCH: the report on the dataset differs from the report on the export")
PY
  echo "numbers checked: DuckDB over the dataset = cchc report on the dataset = cchc report on the export ($rows rows)"
  echo "$rows dataset-size $(du -sm "$dataset" | cut -f1) MB, export $(du -sm "$export_file" | cut -f1) MB" >> "$work/sizes"
  rm -rf "$dataset"
done

echo
echo "| rows | step | wall s | peak RSS MB |"
echo "|---|---|---|---|"
while read -r rows name wall rss; do
  label=$name
  case $name in
    report) label='`cchc report` on the CSV' ;;
    convert) label='`cchc convert` to Parquet' ;;
    duckdb) label='DuckDB running `cchc sql` over the Parquet' ;;
    report-dataset) label='`cchc report` on the Parquet' ;;
  esac
  echo "| $rows | $label | $wall | $((rss / 1024)) |"
done < "$work/times"
cat "$work/sizes"
