#!/usr/bin/env python3
"""Runs the SQL that `cchc sql` writes in a real engine, for the integration tests.

    run_sql.py duckdb|spark JOBS.json

JOBS.json is a list of {"sql": FILE, "datasets": [DIR, ...], "out": FILE}: the datasets'
dossier rows (written by `cchc convert`) become the table `cchc_dossiers`, the query runs, and
its rows are written to "out" as JSON: [[period, group, indicator, numerator, denominator], ...].
One engine session runs every job (a Spark session takes seconds to start).
"""
import json
import os
import sys
import time


def duckdb_runner():
    import duckdb

    con = duckdb.connect()
    # The progress bar of long queries would go to standard output.
    con.execute("SET enable_progress_bar = false")

    def run(datasets, sql):
        files = [f"{d}/dossiers/*.parquet" for d in datasets]
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        con.execute(f"CREATE OR REPLACE VIEW cchc_dossiers AS SELECT * FROM read_parquet([{listed}])")
        return con.execute(sql).fetchall()

    return run


def spark_runner():
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("cchc-engine-sql-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")

    def run(datasets, sql):
        frame = spark.read.parquet(*[f"{d}/dossiers" for d in datasets])
        frame.createOrReplaceTempView("cchc_dossiers")
        # spark.sql takes one statement without the closing semicolon.
        return [tuple(r) for r in spark.sql(sql.strip().rstrip(";")).collect()]

    return run


def main():
    engine, jobs_path = sys.argv[1], sys.argv[2]
    with open(jobs_path, encoding="utf-8") as f:
        jobs = json.load(f)
    run = duckdb_runner() if engine == "duckdb" else spark_runner()
    for job in jobs:
        with open(job["sql"], encoding="utf-8") as f:
            sql = f.read()
        started = time.monotonic()
        rows = run(job["datasets"], sql)
        if "CCHC_ENGINE_TIMINGS" in os.environ:
            print(f"{engine}: {time.monotonic() - started:.2f} s {job['sql']}", file=sys.stderr)
        with open(job["out"], "w", encoding="utf-8") as f:
            json.dump([list(r) for r in rows], f, ensure_ascii=False)
    print(f"{engine}: {len(jobs)} queries run", file=sys.stderr)


if __name__ == "__main__":
    main()
