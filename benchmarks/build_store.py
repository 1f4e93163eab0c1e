"""Benchmark of the foundation: build the store from layers/, import a large GCJ-02 CSV, serve statistics.

Run: `make benchmark` (or .venv/bin/python -m benchmarks.build_store [--runs N]). Prints a Markdown table to
paste into docs/benchmarks.md with the machine and date. Times are medians of N runs on a fresh temporary store.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from geo_app import create_app, crs
from geo_app.data.pipeline import build_store, import_file
from geo_app.project import Project
from geo_app.settings import ROOT
from geo_app.store import open_store

MAX_BYTES = 200 * 1024 * 1024


def timed(function, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def large_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(1)
    lon = rng.uniform(120.57, 120.66, rows)
    lat = rng.uniform(31.27, 31.34, rows)
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,name,lon,lat,category,wheelchair,fee,opening_hours\n")
        for i in range(rows):
            fh.write(f"B{i},公厕{i},{glon[i]:.7f},{glat[i]:.7f},二类,yes,no,24/7\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    project = Project(ROOT / "layers")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        store_path = folder / "suzhou.gpkg"

        def fresh_build():
            store_path.unlink(missing_ok=True)
            build_store(Project(ROOT / "layers"), open_store(store_path), max_bytes=MAX_BYTES)

        build = timed(fresh_build, args.runs)
        size_mb = store_path.stat().st_size / 1e6
        csv_path = folder / "toilets.csv"
        large_csv(csv_path, args.rows)
        copy = folder / "copy.gpkg"

        def one_import():
            copy.write_bytes(store_path.read_bytes())
            import_file(project, open_store(copy), "toilets", csv_path, crs="GCJ02", max_bytes=MAX_BYTES)

        imported = timed(one_import, args.runs)
        client = create_app({"STORE": str(store_path), "LAYERS_DIR": str(ROOT / "layers")}).test_client()
        client.get("/api/districts")
        stats_ms = 1000 * timed(lambda: client.get("/api/districts"), max(args.runs, 20))
        report_ms = 1000 * timed(lambda: client.get("/api/report"), max(args.runs, 20))
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    print(
        f"Machine: {os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; {date.today()}; "
        f"median of {args.runs} runs\n"
    )
    print("| what | result |\n| --- | --- |")
    print(f"| build the store from layers/ (all layers, report, statistics) | {build:.2f} s |")
    print(f"| store size | {size_mb:.1f} MB |")
    print(f"| report rows | {len(project.report)} |")
    print(
        f"| import {args.rows:,} toilets from a GCJ-02 CSV (validate, convert, derive, statistics, write) | {imported:.2f} s |"
    )
    print(f"| GET /api/districts (10 units, in-process) | {stats_ms:.1f} ms |")
    print(f"| GET /api/report ({len(project.report)} rows, in-process) | {report_ms:.1f} ms |")


if __name__ == "__main__":
    main()
