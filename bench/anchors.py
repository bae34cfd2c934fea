"""The benchmark's anchors: the ten indicators of DOMAIN.md §2, year totals, computed by DuckDB
(SQL over the CSV) and by polars (lazy, streaming engine) on a canonical-style export, so cchc is
timed against tools that do the same work: read every row, keep the later row of a dossier_id,
classify, and count per year.

    python bench/anchors.py duckdb  FILE.csv   # prints JSON {indicator: {year: [num, den]}}
    python bench/anchors.py polars  FILE.csv
    python bench/anchors.py compare A.json B.json   # exit 1 when any number differs

The queries are written for the canonical form that `examples/generate.rs --style canonical`
writes (field names as headers, English codes, ISO dates); they are a cross-check of cchc, not a
second definition inside it.
"""

import json
import sys

RECEIVED = {
    "online_share": ("accepted", "accepted AND channel = 'online' AND level IN (3, 4)"),
    "online_payment_rate": ("accepted AND amount > 0", "accepted AND amount > 0 AND paid_online"),
    "electronic_transfer": ("accepted AND interagency", "accepted AND interagency AND transfer"),
    "data_reuse": ("accepted", "accepted AND reused"),
    "e_authenticated": ("accepted AND channel = 'online'", "accepted AND channel = 'online' AND vneid"),
}
END = {
    "digitized_results": ("finished", "finished AND digitized"),
    "satisfaction": ("finished AND rating IS NOT NULL", "finished AND rating IN ('satisfied', 'very_satisfied')"),
    "on_time": (
        "(status IN ('withdrawn', 'stopped') OR (finished AND due IS NOT NULL))",
        "(status IN ('withdrawn', 'stopped') OR (finished AND due IS NOT NULL)) "
        "AND (status IN ('withdrawn', 'stopped') OR end_day <= due)",
    ),
}


def duckdb_totals(path):
    import duckdb

    def sums(rules):
        return ",\n".join(
            f"count(*) FILTER (WHERE {pop}) AS \"{i}::den\", count(*) FILTER (WHERE {num}) AS \"{i}::num\""
            for i, (pop, num) in rules.items()
        )

    query = f"""
    WITH raw AS (
      SELECT * FROM read_csv('{path}', header = true, all_varchar = true)
    ), live AS (
      SELECT * FROM raw QUALIFY row_number() OVER (PARTITION BY dossier_id ORDER BY CAST(seq AS BIGINT) DESC) = 1
    ), d AS (
      SELECT
        status NOT IN ('new', 'refused') AS accepted,
        status IN ('resolved', 'returned') AS finished,
        status, channel, TRY_CAST(service_level AS INTEGER) AS level, procedure_code,
        COALESCE(TRY_CAST(fee AS DOUBLE), 0) + COALESCE(TRY_CAST(charge AS DOUBLE), 0) AS amount,
        payment_method = 'online' AS paid_online,
        result_digitized = 'true' AS digitized, component_reused = 'true' AS reused,
        interagency = 'true' AS interagency, transfer_electronic = 'true' AS transfer,
        vneid_authenticated = 'true' AS vneid, NULLIF(satisfaction, '') AS rating,
        year(CAST(received_at AS TIMESTAMP)) AS received_year,
        CAST(COALESCE(NULLIF(finished_at, ''), NULLIF(returned_at, '')) AS TIMESTAMP)::DATE AS end_day,
        CAST(NULLIF(due_at, '') AS TIMESTAMP)::DATE AS due
      FROM live
    )
    SELECT 'received' AS basis, received_year AS year, {sums(RECEIVED)},
      count(DISTINCT procedure_code) FILTER (WHERE accepted AND amount > 0) AS "online_payment_procedures::den",
      count(DISTINCT procedure_code) FILTER (WHERE accepted AND amount > 0 AND paid_online) AS "online_payment_procedures::num"
    FROM d GROUP BY received_year
    """
    end_query = query.split("SELECT 'received'")[0] + f"""
    SELECT 'end' AS basis, year(end_day) AS year, {sums(END)}
    FROM d WHERE end_day IS NOT NULL GROUP BY year(end_day)
    """
    tables = []
    for text in (query, end_query):
        relation = duckdb.sql(text)
        tables.append((relation.columns, relation.fetchall()))
    return collect(tables)


def polars_totals(path):
    import polars as pl

    c = pl.col
    frame = (
        pl.scan_csv(path, infer_schema=False)
        .with_columns(c("seq").cast(pl.Int64))
        .sort("seq")
        .unique(subset="dossier_id", keep="last", maintain_order=False)
    )
    ts = lambda name: pl.when(c(name) == "").then(None).otherwise(c(name)).str.to_datetime("%Y-%m-%d %H:%M:%S")
    d = frame.select(
        accepted=~c("status").is_in(["new", "refused"]),
        finished=c("status").is_in(["resolved", "returned"]),
        closed=c("status").is_in(["withdrawn", "stopped"]),
        online=c("channel") == "online",
        level34=c("service_level").is_in(["3", "4"]),
        procedure_code=c("procedure_code"),
        amount=c("fee").cast(pl.Float64, strict=False).fill_null(0) + c("charge").cast(pl.Float64, strict=False).fill_null(0),
        paid_online=c("payment_method") == "online",
        digitized=c("result_digitized") == "true",
        reused=c("component_reused") == "true",
        interagency=c("interagency") == "true",
        transfer=c("transfer_electronic") == "true",
        vneid=c("vneid_authenticated") == "true",
        rated=c("satisfaction").fill_null("") != "",
        satisfied=c("satisfaction").is_in(["satisfied", "very_satisfied"]),
        received_year=ts("received_at").dt.year(),
        end_day=pl.coalesce(ts("finished_at"), ts("returned_at")).dt.date(),
        due=ts("due_at").dt.date(),
    )
    n = lambda e: e.fill_null(False).sum()
    fee = c("accepted") & (c("amount") > 0)
    received = d.group_by("received_year").agg(
        n(c("accepted")).alias("online_share::den"),
        n(c("accepted") & c("online") & c("level34")).alias("online_share::num"),
        n(fee).alias("online_payment_rate::den"),
        n(fee & c("paid_online")).alias("online_payment_rate::num"),
        c("procedure_code").filter(fee).n_unique().alias("online_payment_procedures::den"),
        c("procedure_code").filter(fee & c("paid_online")).n_unique().alias("online_payment_procedures::num"),
        n(c("accepted") & c("interagency")).alias("electronic_transfer::den"),
        n(c("accepted") & c("interagency") & c("transfer")).alias("electronic_transfer::num"),
        n(c("accepted")).alias("data_reuse::den"),
        n(c("accepted") & c("reused")).alias("data_reuse::num"),
        n(c("accepted") & c("online")).alias("e_authenticated::den"),
        n(c("accepted") & c("online") & c("vneid")).alias("e_authenticated::num"),
    ).rename({"received_year": "year"})
    on_time_pop = c("closed") | (c("finished") & c("due").is_not_null())
    end = (
        d.filter(c("end_day").is_not_null())
        .group_by(c("end_day").dt.year().alias("year"))
        .agg(
            n(c("finished")).alias("digitized_results::den"),
            n(c("finished") & c("digitized")).alias("digitized_results::num"),
            n(c("finished") & c("rated")).alias("satisfaction::den"),
            n(c("finished") & c("satisfied")).alias("satisfaction::num"),
            n(on_time_pop).alias("on_time::den"),
            n(on_time_pop & (c("closed") | (c("end_day") <= c("due")))).alias("on_time::num"),
        )
    )
    frames = pl.collect_all([received, end], engine="streaming")
    return collect([(f.columns, f.rows()) for f in frames])


def collect(tables):
    totals = {}
    for columns, rows in tables:
        for row in rows:
            record = dict(zip(columns, row))
            year = str(record.get("year"))
            for name, value in record.items():
                if "::" not in name:
                    continue
                indicator, part = name.split("::")
                cell = totals.setdefault(indicator, {}).setdefault(year, [0, 0])
                cell[0 if part == "num" else 1] = int(value or 0)
    return totals


def cchc_totals(report):
    totals = {}
    for row in report["results"]:
        if row["group"] is None and row["numerator"] is not None:
            totals.setdefault(row["indicator"], {})[row["period"]] = [row["numerator"], row["denominator"]]
    return totals


def compare(a_path, b_path):
    def load(path):
        data = json.load(open(path))
        return cchc_totals(data) if "results" in data else data

    a, b = load(a_path), load(b_path)
    differences = []
    for indicator, years in b.items():
        for year, pair in years.items():
            if pair[1] == 0:
                continue
            got = a.get(indicator, {}).get(year)
            if got != pair:
                differences.append(f"{indicator} {year}: {got} vs {pair}")
    for line in differences[:20]:
        print(line)
    return 1 if differences else 0


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    totals = duckdb_totals(sys.argv[2]) if command == "duckdb" else polars_totals(sys.argv[2])
    json.dump(totals, sys.stdout)
