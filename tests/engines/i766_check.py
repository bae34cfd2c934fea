#!/usr/bin/env python3
"""An independent computation of the 766 index (DOMAIN.md §8) for the integration tests: plain
SQL in DuckDB over a canonical-style dossier export and a catalogue, one query per month, and
the points worked out with exact fractions. It shares nothing with cchc but the contract.

    i766_check.py DOSSIERS.csv CATALOGUE.csv YYYY-MM [YYYY-MM ...] > expected.json

Prints {month: {unit or "": {"indicators": {code: [num, den, cents]}, "groups": {code: cents},
"total": cents}}}: the pooled score under "" and each unit's under its name, as `cchc report
--i766 --period month --by unit` computes them (facts absent: their indicators score 0).
"""
import json
import sys
from datetime import date, timedelta

import duckdb

# dvcqg-2026: code -> (group, pmax, threshold or None)
PROFILE = {
    "1.1": ("CKMB", 6, None), "1.2": ("CKMB", 4, None), "1.3": ("CKMB", 2, None),
    "1.4": ("CKMB", 6, None), "2.1": ("TDGQ", 20, None), "3.1": ("DVCTT", 2, 80),
    "3.2": ("DVCTT", 4, None), "3.3": ("DVCTT", 6, 50), "3.5a": ("TTTT", 2, 80),
    "3.5b": ("TTTT", 2, 80), "3.6": ("TTTT", 6, None), "4.1": ("MDSH", 6, None),
    "4.2": ("MDSH", 4, None), "4.3": ("MDSH", 2, 80), "4.4": ("MDSH", 4, None),
    "4.5a": ("MDSH", 2, None), "4.5b": ("MDSH", 2, None), "4.c": ("MDSH", 2, None),
    "5.2": ("MDHL", 6, None), "5.3": ("MDHL", 6, None), "5.4": ("MDHL", 6, 90),
}
GROUPS = ["CKMB", "TDGQ", "DVCTT", "TTTT", "MDSH", "MDHL"]


def cents(pmax, threshold, num, den):
    """P = Pmax * min(1, R/T), rounded half-up to hundredths, exactly."""
    if den == 0:
        return 0
    t = (threshold or 100) * 100  # hundredths of a percent
    m = min(10000 * num, t * den)
    return (2 * pmax * 100 * m + t * den) // (2 * t * den)


def month_bounds(month):
    year, m = map(int, month.split("-"))
    start = date(year, m, 1)
    end = (date(year + (m == 12), m % 12 + 1, 1)) - timedelta(days=1)
    return start, end


def main():
    dossiers, catalogue, months = sys.argv[1], sys.argv[2], sys.argv[3:]
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"""
        CREATE TABLE d AS
        SELECT *,
          status NOT IN ('new', 'refused') AS accepted,
          status IN ('withdrawn', 'stopped', 'resolved', 'returned') AS ended
        FROM (
          SELECT procedure_code, unit, status, channel,
            CAST(received_at AS TIMESTAMP)::DATE AS received,
            COALESCE(CAST(NULLIF(finished_at, '') AS TIMESTAMP),
                     CAST(NULLIF(returned_at, '') AS TIMESTAMP))::DATE AS end_day,
            CAST(NULLIF(finished_at, '') AS TIMESTAMP)::DATE AS finished,
            CAST(NULLIF(returned_at, '') AS TIMESTAMP)::DATE AS returned,
            CAST(NULLIF(due_at, '') AS TIMESTAMP)::DATE AS due,
            COALESCE(TRY_CAST(fee AS DOUBLE), 0) + COALESCE(TRY_CAST(charge AS DOUBLE), 0) AS amount,
            payment_method = 'online' AS paid_online,
            result_digitized = 'true' AS rd, dossier_digitized = 'true' AS dd,
            component_reused = 'true' AS cr, personal_store_used = 'true' AS ps,
            vneid_authenticated = 'true' AS vn,
            satisfaction IN ('neutral', 'dissatisfied') AS not_satisfied,
            complaint = 'true' AS complaint
          FROM read_csv('{dossiers}', header = true, all_varchar = true)
        )
    """)
    # The as-of date: the latest reception, result or return date.
    (as_of,) = con.execute(
        "SELECT GREATEST(MAX(received), MAX(finished), MAX(returned)) FROM d").fetchone()
    con.execute(f"""
        CREATE TABLE c AS
        SELECT "Mã TTHC" AS code, "Cơ quan thực hiện" AS unit,
          CASE "Mức độ DVCTT" WHEN 'Toàn trình' THEN 4 WHEN 'Một phần' THEN 3 ELSE 2 END AS level,
          "Đủ điều kiện DVCTT" = 'Có' AS eligible,
          "Có phí, lệ phí" = 'Có' AS fee_bearing,
          "Thanh toán trực tuyến" = 'Có' AS online_payment,
          lower(strip_accents("Đối tượng thực hiện")) LIKE '%ca nhan%' AS individuals
        FROM read_csv('{catalogue}', header = true, all_varchar = true)
    """)
    out = {}
    for month in months:
        start, end = month_bounds(month)
        cutoff = min(end, as_of)
        s, k = f"DATE '{start}'", f"DATE '{cutoff}'"
        # The sets of DOMAIN.md §8; an ended dossier without an end date is left out.
        con.execute(f"""
            CREATE OR REPLACE TABLE m AS
            SELECT *,
              received_in AND amount > 0 AS fee_paid,
              (ended AND end_day <= {k} AND end_day <= due)
                OR (NOT (ended AND end_day <= {k}) AND (status IN ('awaiting_supplement', 'awaiting_payment') OR due >= {k})) AS on_time,
              coalesce(not_satisfied OR complaint, false) AS disliked
            FROM (
              SELECT *,
                accepted AND received >= {s} AND received <= {k} AS received_in,
                accepted AND received <= {k} AND NOT (ended AND end_day < {s}) AS base
              FROM d WHERE NOT (ended AND end_day IS NULL)
            )
        """)
        dossier = {
            "2.1": ("base AND due IS NOT NULL", "on_time"),
            "3.3": ("received_in", "channel = 'online'"),
            "3.6": ("fee_paid", "paid_online"),
            "4.1": ("base", "rd"), "4.2": ("base", "dd"), "4.3": ("base", "cr"),
            "4.4": ("base", "ps"), "4.5b": ("base", "vn"),
            "5.4": ("base AND due IS NOT NULL", "on_time AND NOT disliked"),
        }
        units = grouped(con, dossier)

        # The catalogue: procedures (code counting: a code's rows as one) and services (rows).
        def any_codes(condition, unit=None):
            where = f"({condition})" + (f" AND coalesce(unit, '') = '{unit}'" if unit is not None else "")
            return {r[0] for r in con.execute(f"SELECT DISTINCT procedure_code FROM m WHERE {where}").fetchall()}

        def any_services(condition):
            return {(r[0], r[1]) for r in con.execute(
                f"SELECT DISTINCT procedure_code, coalesce(unit, '') FROM m WHERE {condition}").fetchall()}

        catalogue_rows = con.execute("SELECT code, unit, level, eligible, fee_bearing, online_payment, individuals FROM c").fetchall()
        online_services = any_services("received_in AND channel = 'online'")
        # An undated catalogue describes the report's latest year only (DOMAIN.md §4).
        latest_year = as_of.year
        for key in list(units):
            if start.year != latest_year:
                for code in ("3.1", "3.2", "3.5a", "3.5b", "4.5a"):
                    units[key][code] = [None, None]
                continue
            unit = None if key == "total" else key
            rows = [r for r in catalogue_rows if unit is None or r[1] == unit]
            codes = {}
            for code, _, level, eligible, fee, payment, individuals in rows:
                c = codes.setdefault(code, [0, False, False, False, False])
                c[0] = max(c[0], level)
                c[1] |= eligible
                c[2] |= fee
                c[3] |= payment
                c[4] |= individuals
            paid = any_codes("fee_paid AND paid_online", unit)
            authenticated = any_codes("base AND vn", unit)
            pop31 = [c for c, v in codes.items() if v[1]]
            units[key]["3.1"] = [sum(1 for c in pop31 if codes[c][0] >= 3), len(pop31)]
            services = [r for r in rows if r[2] >= 3]
            units[key]["3.2"] = [sum(1 for r in services if (r[0], r[1]) in online_services), len(services)]
            fee_codes = [c for c, v in codes.items() if v[2]]
            units[key]["3.5a"] = [sum(1 for c in fee_codes if codes[c][3]), len(fee_codes)]
            units[key]["3.5b"] = [sum(1 for c in fee_codes if c in paid), len(fee_codes)]
            individual = [c for c, v in codes.items() if v[4]]
            units[key]["4.5a"] = [sum(1 for c in individual if c in authenticated), len(individual)]
        scores = {}
        for key, indicators in units.items():
            result = {"indicators": {}, "groups": {g: 0 for g in GROUPS}}
            for code, (group, pmax, threshold) in PROFILE.items():
                num, den = indicators.get(code, [None, None])
                points = cents(pmax, threshold, num, den) if den is not None else 0
                result["indicators"][code] = [num, den, points]
                result["groups"][group] += points
            result["total"] = sum(result["groups"].values())
            scores["" if key == "total" else key] = result
        out[month] = scores
    json.dump(out, sys.stdout, ensure_ascii=False)


def grouped(con, dossier):
    """The dossier indicators per unit and in total, by GROUPING()."""
    sums = ", ".join(
        f"count(*) FILTER (WHERE {p}) AS \"{c}:d\", count(*) FILTER (WHERE ({p}) AND ({n})) AS \"{c}:n\""
        for c, (p, n) in dossier.items())
    rows = con.execute(
        f"SELECT GROUPING(unit) AS total, coalesce(unit, '') AS unit, {sums} FROM m GROUP BY GROUPING SETS ((), (unit))"
    ).fetchall()
    columns = [d[0] for d in con.description]
    units = {}
    for row in rows:
        record = dict(zip(columns, row))
        key = "total" if record["total"] == 1 else record["unit"]
        units[key] = {code: [record[f"{code}:n"], record[f"{code}:d"]] for code in dossier}
    return units


if __name__ == "__main__":
    main()
