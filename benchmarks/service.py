"""Benchmark of the service: page render times and sizes, OGC items, nearest, facility data.

Run `make benchmark` (or .venv/bin/python -m benchmarks.service [--runs N]) after `make store`. Requests go
through Flask's in-process client against the built store (no network), after one warm-up request each;
the table reports medians. Paste it into docs/benchmarks.md with the machine and date."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import date
from pathlib import Path

from geo_app import create_app

CASES = [
    ("public map page `/` (HTML)", "/?basemap=osm", 0.300),
    ("grid map page `/grid?district=320508`", "/grid?district=320508", None),
    ("district statistics page `/districts`", "/districts", None),
    ("planner page `/plan`", "/plan", None),
    ("OGC items, 1000 toilets", "/ogc/collections/toilets/items?limit=1000", 0.100),
    ("OGC items, 1000 grid polygons", "/ogc/collections/grids/items?limit=1000", None),
    ("`/api/nearest` 5 toilets", "/api/nearest?lon=120.6231&lat=31.3052&type=toilets&n=5", 0.005),
    (
        "`/api/nearest` 5 open, free, accessible toilets",
        "/api/nearest?lon=120.6231&lat=31.3052&type=toilets&n=5&open_now=true&fee=no&wheelchair=yes",
        0.005,
    ),
    ("`/api/facilities/toilets` (all, the public map's data)", "/api/facilities/toilets", None),
    ("`/api/coverage/toilets` (cached)", "/api/coverage/toilets", None),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    client = create_app().test_client()
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
        f"median of {args.runs} requests after a warm-up\n"
    )
    print("| request | median | size | aim |\n| --- | ---: | ---: | ---: |")
    for title, url, aim in CASES:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        samples = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
        median = statistics.median(samples)
        size = len(response.get_data())
        shown = f"{median * 1000:.1f} ms"
        goal = f"≤ {aim * 1000:g} ms" if aim else ""
        print(f"| {title} | {shown} | {size / 1024:,.0f} KiB | {goal} |")


if __name__ == "__main__":
    main()
