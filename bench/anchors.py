"""The benchmark's anchors: the ten indicators of DOMAIN.md §2, year totals, computed by DuckDB
and by polars (streaming engine) on a canonical-style export, written as a user of each tool
would write them, so cchc is timed against tools doing the same work.

    python bench/anchors.py duckdb         FILE.csv  # typed single scan, no dedup
    python bench/anchors.py duckdb-dedup   FILE.csv  # the same, keeping the later row of an id
    python bench/anchors.py duckdb-varchar FILE.csv  # the first anchor: all-VARCHAR, two scans
    python bench/anchors.py polars         FILE.csv  # typed single streaming scan, no dedup
    python bench/anchors.py polars-dedup   FILE.csv
    python bench/anchors.py compare A.json B.json    # exit 1 when any number differs

Each prints JSON {indicator: {year: [numerator, denominator]}} on stdout and its own query time
on stderr. The typed anchors give the reader the column types and the dialect (so nothing is
sniffed or cast twice), read only the columns the indicators need, and aggregate in one scan:
one GROUP BY of the rows by reception year, end year and procedure (a few hundred groups),
from which both bases and the distinct-procedure counts are summed. The generated exports have
no repeated dossier_id, so dedup changes no number; the `-dedup` variants show its cost.

The queries are written for the canonical form that `examples/generate.rs --style canonical`
writes (field names as headers, English codes, ISO timestamps); they are a cross-check of
cchc, not a second definition inside it.
"""

import json
import sys
import time

# The canonical export's columns and their types, as a DuckDB user would declare them.
COLUMNS = {
    "seq": "BIGINT", "dossier_id": "VARCHAR", "procedure_code": "VARCHAR", "procedure_name": "VARCHAR",
    "sector": "VARCHAR", "unit": "VARCHAR", "service_level": "TINYINT", "channel": "VARCHAR",
    "submitted_at": "TIMESTAMP", "received_at": "TIMESTAMP", "due_at": "TIMESTAMP",
    "finished_at": "TIMESTAMP", "returned_at": "TIMESTAMP", "status": "VARCHAR", "fee": "BIGINT",
    "charge": "BIGINT", "payment_method": "VARCHAR", "result_digitized": "BOOLEAN",
    "dossier_digitized": "BOOLEAN", "component_reused": "BOOLEAN", "interagency": "BOOLEAN",
    "transfer_electronic": "BOOLEAN", "vneid_authenticated": "BOOLEAN", "satisfaction": "VARCHAR",
    "personal_store_used": "BOOLEAN", "complaint": "BOOLEAN",
}

# The sums per (received year, end year, procedure) both anchors compute, by name:
# population and numerator of every indicator.
SUMS = ["a", "a34", "f", "fp", "i", "it", "r", "o", "ov", "fi", "fd", "fr", "fs", "t", "tn"]
RECEIVED = {  # indicator: (denominator sum, numerator sum), by reception year
    "online_share": ("a", "a34"), "online_payment_rate": ("f", "fp"),
    "electronic_transfer": ("i", "it"), "data_reuse": ("a", "r"), "e_authenticated": ("o", "ov"),
}
END = {  # by end year
    "digitized_results": ("fi", "fd"), "satisfaction": ("fr", "fs"), "on_time": ("t", "tn"),
}


def totals_from_groups(rows):
    """{indicator: {year: [num, den]}} from rows (received_year, end_year, procedure, *SUMS)."""
    totals = {}
    procedures = {}
    for received_year, end_year, procedure, *sums in rows:
        s = dict(zip(SUMS, (int(v or 0) for v in sums)))
        if received_year is not None:
            for indicator, (den, num) in RECEIVED.items():
                cell = totals.setdefault(indicator, {}).setdefault(str(received_year), [0, 0])
                cell[0] += s[num]
                cell[1] += s[den]
            if procedure is not None:
                p = procedures.setdefault((str(received_year), procedure), [0, 0])
                p[0] += s["fp"]
                p[1] += s["f"]
        if end_year is not None:
            for indicator, (den, num) in END.items():
                cell = totals.setdefault(indicator, {}).setdefault(str(end_year), [0, 0])
                cell[0] += s[num]
                cell[1] += s[den]
    for (year, _), (paid, fee) in procedures.items():
        cell = totals.setdefault("online_payment_procedures", {}).setdefault(year, [0, 0])
        cell[0] += int(paid > 0)
        cell[1] += int(fee > 0)
    return totals


def duckdb_typed(path, dedup):
    import duckdb

    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items()) + "}"
    source = f"read_csv('{path}', header = true, delim = ',', quote = '\"', columns = {columns})"
    if dedup:
        source = f"(SELECT * FROM {source} QUALIFY row_number() OVER (PARTITION BY dossier_id ORDER BY seq DESC) = 1)"
    query = f"""
    WITH d AS (
      SELECT status NOT IN ('new', 'refused') AS accepted, status IN ('resolved', 'returned') AS finished,
        status IN ('withdrawn', 'stopped') AS closed, channel = 'online' AS online,
        service_level IN (3, 4) AS level34, procedure_code,
        coalesce(fee, 0) + coalesce(charge, 0) > 0 AS fee_bearing, payment_method = 'online' AS paid,
        result_digitized, component_reused, interagency, transfer_electronic, vneid_authenticated,
        satisfaction, year(received_at) AS received_year,
        coalesce(finished_at, returned_at)::DATE AS end_day, due_at::DATE AS due
      FROM {source}
    )
    SELECT received_year, year(end_day) AS end_year, procedure_code,
      count(*) FILTER (accepted), count(*) FILTER (accepted AND online AND level34),
      count(*) FILTER (accepted AND fee_bearing), count(*) FILTER (accepted AND fee_bearing AND paid),
      count(*) FILTER (accepted AND interagency),
      count(*) FILTER (accepted AND interagency AND transfer_electronic),
      count(*) FILTER (accepted AND component_reused), count(*) FILTER (accepted AND online),
      count(*) FILTER (accepted AND online AND vneid_authenticated),
      count(*) FILTER (finished), count(*) FILTER (finished AND result_digitized),
      count(*) FILTER (finished AND satisfaction IS NOT NULL),
      count(*) FILTER (finished AND satisfaction IN ('satisfied', 'very_satisfied')),
      count(*) FILTER (closed OR (finished AND due IS NOT NULL)),
      count(*) FILTER ((closed OR (finished AND due IS NOT NULL)) AND (closed OR end_day <= due))
    FROM d GROUP BY ALL
    """
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    return totals_from_groups(connection.execute(query).fetchall())


def polars_typed(path, dedup):
    import polars as pl

    c = pl.col
    types = {
        "BIGINT": pl.Int64, "VARCHAR": pl.String, "TINYINT": pl.Int8, "TIMESTAMP": pl.Datetime,
        "BOOLEAN": pl.Boolean,
    }
    frame = pl.scan_csv(path, schema={k: types[v] for k, v in COLUMNS.items()})
    if dedup:
        frame = frame.sort("seq").unique(subset="dossier_id", keep="last", maintain_order=False)
    d = frame.select(
        accepted=~c("status").is_in(["new", "refused"]),
        finished=c("status").is_in(["resolved", "returned"]),
        closed=c("status").is_in(["withdrawn", "stopped"]),
        online=c("channel") == "online",
        level34=c("service_level").is_in([3, 4]),
        procedure_code=c("procedure_code"),
        fee=(c("fee").fill_null(0) + c("charge").fill_null(0)) > 0,
        paid=c("payment_method") == "online",
        digitized=c("result_digitized"), reused=c("component_reused"),
        interagency=c("interagency"), transfer=c("transfer_electronic"),
        vneid=c("vneid_authenticated"),
        rated=c("satisfaction").is_not_null(),
        satisfied=c("satisfaction").is_in(["satisfied", "very_satisfied"]),
        received_year=c("received_at").dt.year(),
        end_day=pl.coalesce(c("finished_at"), c("returned_at")).dt.date(),
        due=c("due_at").dt.date(),
    )
    n = lambda e: e.fill_null(False).sum()
    a, fee = c("accepted"), c("accepted") & c("fee")
    on_time = c("closed") | (c("finished") & c("due").is_not_null())
    groups = d.group_by(
        "received_year", c("end_day").dt.year().alias("end_year"), "procedure_code"
    ).agg(
        n(a), n(a & c("online") & c("level34")).alias("a34"), n(fee).alias("f"),
        n(fee & c("paid")).alias("fp"), n(a & c("interagency")).alias("i"),
        n(a & c("interagency") & c("transfer")).alias("it"), n(a & c("reused")).alias("r"),
        n(a & c("online")).alias("o"), n(a & c("online") & c("vneid")).alias("ov"),
        n(c("finished")).alias("fi"), n(c("finished") & c("digitized")).alias("fd"),
        n(c("finished") & c("rated")).alias("fr"), n(c("finished") & c("satisfied")).alias("fs"),
        n(on_time).alias("t"), n(on_time & (c("closed") | (c("end_day") <= c("due")))).alias("tn"),
    ).collect(engine="streaming")
    return totals_from_groups(groups.rows())


def duckdb_varchar(path):
    """The first anchor, kept for comparison: every column read as VARCHAR and cast in SQL, the
    CSV scanned twice (once per basis), dedup by a window over all columns."""
    import duckdb

    received = {
        "online_share": ("accepted", "accepted AND channel = 'online' AND level IN (3, 4)"),
        "online_payment_rate": ("accepted AND amount > 0", "accepted AND amount > 0 AND paid_online"),
        "electronic_transfer": ("accepted AND interagency", "accepted AND interagency AND transfer"),
        "data_reuse": ("accepted", "accepted AND reused"),
        "e_authenticated": ("accepted AND channel = 'online'", "accepted AND channel = 'online' AND vneid"),
    }
    end = {
        "digitized_results": ("finished", "finished AND digitized"),
        "satisfaction": ("finished AND rating IS NOT NULL", "finished AND rating IN ('satisfied', 'very_satisfied')"),
        "on_time": (
            "(status IN ('withdrawn', 'stopped') OR (finished AND due IS NOT NULL))",
            "(status IN ('withdrawn', 'stopped') OR (finished AND due IS NOT NULL)) "
            "AND (status IN ('withdrawn', 'stopped') OR end_day <= due)",
        ),
    }

    def sums(rules):
        return ",\n".join(
            f"count(*) FILTER (WHERE {pop}) AS \"{i}::den\", count(*) FILTER (WHERE {num}) AS \"{i}::num\""
            for i, (pop, num) in rules.items()
        )

    base = f"""
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
    """
    queries = [
        base + f"""
        SELECT received_year AS year, {sums(received)},
          count(DISTINCT procedure_code) FILTER (WHERE accepted AND amount > 0) AS "online_payment_procedures::den",
          count(DISTINCT procedure_code) FILTER (WHERE accepted AND amount > 0 AND paid_online) AS "online_payment_procedures::num"
        FROM d GROUP BY received_year""",
        base + f"""
        SELECT year(end_day) AS year, {sums(end)}
        FROM d WHERE end_day IS NOT NULL GROUP BY year(end_day)""",
    ]
    totals = {}
    for query in queries:
        relation = duckdb.sql(query)
        for row in relation.fetchall():
            record = dict(zip(relation.columns, row))
            year = str(record["year"])
            for name, value in record.items():
                if "::" in name:
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
    if not b:
        differences.append("no numbers at all")
    for line in differences[:20]:
        print(line)
    return 1 if differences else 0


ANCHORS = {
    "duckdb": lambda path: duckdb_typed(path, dedup=False),
    "duckdb-dedup": lambda path: duckdb_typed(path, dedup=True),
    "duckdb-varchar": duckdb_varchar,
    "polars": lambda path: polars_typed(path, dedup=False),
    "polars-dedup": lambda path: polars_typed(path, dedup=True),
}

if __name__ == "__main__":
    command = sys.argv[1]
    if command == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    started = time.perf_counter()
    totals = ANCHORS[command](sys.argv[2])
    print(f"{command}: query {time.perf_counter() - started:.3f} s", file=sys.stderr)
    json.dump(totals, sys.stdout)
