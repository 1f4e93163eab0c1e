"""Benchmark of siting at scale: MCLP for 姑苏区 with candidates every 100 m, and for all 市区 districts at
coarser spacings. Reports the problem sizes (before and after the reductions), what was simplified, and times.

Run `.venv/bin/python -m benchmarks.siting` (part of `make benchmark`) after `make store`."""

from __future__ import annotations

import os
import platform
from datetime import date
from pathlib import Path

from geo_app.planning.siting import Limits, SitingRequest, solve
from geo_app.project import Project
from geo_app.settings import DEFAULTS, ROOT
from geo_app.store import open_store

URBAN = ("320508", "320505", "320506", "320507", "320509")
CASES = [
    ("姑苏区, 10 toilets, candidates every 100 m", SitingRequest("toilets", ("320508",), k=10, spacing_m=100)),
    (
        "姑苏区, toilets to 80 % coverage, every 100 m",
        SitingRequest("toilets", ("320508",), target_pct=80, spacing_m=100),
    ),
    ("姑苏区, 10 bike stations, every 100 m", SitingRequest("bike_stations", ("320508",), k=10, spacing_m=100)),
    (
        "市区 (5 districts with boundaries), 50 toilets, every 250 m",
        SitingRequest("toilets", URBAN, k=50, spacing_m=250),
    ),
    ("市区, 50 toilets, every 100 m", SitingRequest("toilets", URBAN, k=50, spacing_m=100)),
]


def main() -> None:
    store = open_store(DEFAULTS["STORE"])
    project = Project(ROOT / "layers")
    layers = {lid: store.read(lid) for lid in ("districts", "grids", "toilets", "bike_stations")}
    limits = Limits(
        max_demand=DEFAULTS["SITING_MAX_DEMAND"],
        max_candidates=DEFAULTS["SITING_MAX_CANDIDATES"],
        time_limit_s=DEFAULTS["SOLVER_TIME_LIMIT_S"],
        demand_spacing_m=DEFAULTS["SITING_DEMAND_SPACING_M"],
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    print(
        f"Machine: {os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; {date.today()}; one run each; "
        f"limits {limits.max_demand} demand points, {limits.max_candidates} candidates, {limits.time_limit_s:g} s\n"
    )
    print(
        "| case | demand points (uncovered → solved) | candidates (all → solved) | new sites | coverage before → after | status | time | simplified |"
    )
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | --- |")
    for title, request in CASES:
        result = solve(request, layers, project.standards, limits)
        s = result["sizes"]
        uncovered = s["demand_points"] - s["demand_covered_by_existing"]
        notes = "; ".join(n for n in result["simplifications"] if "set aside" not in n) or "nothing"
        print(
            f"| {title} | {s['demand_points']:,} ({uncovered:,} → {s['demand_points_solved']:,}) | "
            f"{s['candidates']:,} → {s['candidates_solved']:,} | {len(result['sites']['features'])} | "
            f"{result['coverage']['before_pct']} % → {result['coverage']['after_pct']} % | {result['status']} | "
            f"{result['seconds']:.1f} s | {notes} |"
        )


if __name__ == "__main__":
    main()
