"""Benchmark of the cases (issue 11's aims), over HTTP on loopback against a gunicorn serving the store:

- a report (POST /api/cases) ≤ 50 ms; a grid's queue (GET /api/grids/<code>/queue) ≤ 50 ms;
- statistics of all districts for a half-year (GET /api/cases/statistics?period=2018H1&by=district) ≤ 1 s;
- case tiles p95 ≤ 50 ms (when the service has a case tile layer: /tiles/cases/...);
- 100 concurrent reporters for 60 s with 0 errors and 0 lost (every 201 is a case in the store afterwards).

Run after loading the cases (`flask demo --scale city` for the full 750,852, or `flask demo-cases --cases N`):

    .venv/bin/python -m benchmarks.cases                         # the store of GEO_APP_STORE, full aims
    .venv/bin/python -m benchmarks.cases --reporters 5 --seconds 5 --runs 5      # a quick check

The benchmark adds its reporters (admin users `bench-reporter-<n>`) and their reports to the store: run it on a
copy. Rate limits are lifted for the server it starts (they would refuse 100 reporters from one address)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import threading
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

from geo_app.auth import users
from geo_app.cases.tables import CASES
from geo_app.store import open_store
from tests.live import LiveServer

ROOT = Path(__file__).resolve().parent.parent
HALF_YEAR = "/api/cases/statistics?period=2018H1&by=district"
UNLIMITED = "1000000 per minute"


def _request(url: str, *, data: bytes | None = None, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if data is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError as exc:  # no answer at all (reset, timed out): counted as an error with its kind
        return type(getattr(exc, "reason", exc)).__name__, b""


def _timed(call, runs: int) -> list[float]:
    call()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        status = call()
        samples.append(time.perf_counter() - started)
        if status not in (200, 201, 204):
            raise RuntimeError(f"answered {status}")
    return samples


def _row(title: str, samples: list[float], aim_s: float | None, *, p95: bool = False) -> str:
    ordered = sorted(samples)
    value = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if p95 else statistics.median(samples)
    aim = f"≤ {aim_s * 1000:g} ms" if aim_s else ""
    met = "" if not aim_s else (" ✓" if value <= aim_s else " ✗")
    return f"| {title} | {'p95 ' if p95 else ''}{value * 1000:,.1f} ms{met} | {aim} |"


def bench_server(store: str, workers: int) -> LiveServer:
    """The server, started before anything is added to the store (it brings the schema up to date first), with the
    rate limits lifted: they would refuse 100 reporters from one address."""
    return LiveServer(
        store,
        workers=workers,
        DEFAULT_BASEMAP="none",
        RATE_LIMIT_WRITES=UNLIMITED,
        RATE_LIMIT_ANONYMOUS=UNLIMITED,
        RATE_LIMIT_REPORTS=UNLIMITED,
        RATE_LIMIT_LOGIN=UNLIMITED,
    )


def _report_form(place: tuple[float, float]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(
        {
            "service_code": "E0101",
            "lon": f"{place[0]:.6f}",
            "lat": f"{place[1]:.6f}",
            "source": "patrol",
            "description": "benchmark 暴露垃圾",
        }
    ).encode()


def _tiles(store) -> list[str]:
    """Tiles over the busiest district's grids at zoom 14 (the case tile layer, if the service has one)."""
    import math

    minx, miny, maxx, maxy = store.extent("grids")
    z = 14

    def tile(lon, lat):
        n = 2**z
        return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    (x0, y1), (x1, y0) = tile(minx, miny), tile(maxx, maxy)
    xs, ys = range(x0, x1 + 1, max(1, (x1 - x0) // 6)), range(y0, y1 + 1, max(1, (y1 - y0) // 6))
    return [f"/tiles/cases/{z}/{x}/{y}.mvt" for x in xs for y in ys]


def _concurrent(url: str, tokens: list[str], place, seconds: float) -> dict:
    """Each reporter posts reports back to back for `seconds`; returns the answers counted by status, their
    latencies, and when each created case's 201 came back (by case id)."""
    counts: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    latencies: list[float] = []
    answered: dict[str, float] = {}

    def reporter(token: str) -> None:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            status, body = _request(url + "/api/cases", data=_report_form(place), token=token)
            with lock:
                counts[status] = counts.get(status, 0) + 1
                latencies.append(time.perf_counter() - started)
                if status == 201:
                    answered[json.loads(body)["id"]] = time.perf_counter()

    threads = [threading.Thread(target=reporter, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"counts": counts, "latencies": latencies, "answered": answered}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default=os.environ.get("GEO_APP_STORE", str(ROOT / "instance" / "suzhou.gpkg")))
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--reporters", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    server = bench_server(args.store, args.workers)
    store = open_store(args.store)
    total_cases = store.count(CASES)
    names = [f"bench-reporter-{i}" for i in range(args.reporters)]
    for name in names:
        if users.get(store, name) is None:
            users.add(store, name, "admin", "benchmark password, loopback only")
    tokens = [users.new_token(store, name) for name in names]
    busiest = store.read(
        CASES,
        where={"status": ["reported", "accepted", "registered", "dispatched", "handled"]},
        columns=["grid_code"],
        limit=5000,
    )["grid_code"].mode()
    grid = busiest.iloc[0] if len(busiest) else store.read("grids", columns=["code"], limit=1).iloc[0]["code"]
    shape = store.read("grids", where={"code": grid}).geometry.iloc[0].representative_point()
    place = (shape.x, shape.y)
    try:
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        print(
            f"Machine: {os.cpu_count()} cores, {cpu}; {date.today()}; store {store} with "
            f"{total_cases:,} cases; gunicorn {args.workers} workers x 4 threads on loopback; "
            f"{args.runs} requests each after a warm-up\n"
        )
        print("| request | measured | aim |\n| --- | ---: | ---: |")
        post = lambda: _request(server.url + "/api/cases", data=_report_form(place), token=tokens[0])[0]
        print(_row("report a case (POST /api/cases)", _timed(post, args.runs), 0.050))
        queue = lambda: _request(f"{server.url}/api/grids/{grid}/queue")[0]
        print(_row(f"a grid's queue (grid {grid})", _timed(queue, args.runs), 0.050))
        stats = lambda: _request(server.url + HALF_YEAR)[0]
        print(_row("statistics, all districts, H1 2018", _timed(stats, args.runs), 1.0))
        tiles = _tiles(store)
        if _request(server.url + tiles[0])[0] == 404:
            print("| case tiles | no case tile layer in this service yet | ≤ 50 ms p95 |")
        else:
            samples = []
            for _ in range(max(1, args.runs // 5)):
                for url in tiles:
                    started = time.perf_counter()
                    _request(server.url + url)
                    samples.append(time.perf_counter() - started)
            print(_row(f"case tiles, z14 ({len(tiles)} tiles)", samples, 0.050, p95=True))
        before = store.count(CASES)
        result = _concurrent(server.url, tokens, place, args.seconds)
        created = result["counts"].get(201, 0)
        errors = sum(n for status, n in result["counts"].items() if status != 201)
        stored = store.count(CASES) - before
        print(
            f"| {args.reporters} concurrent reporters for {args.seconds:g} s | {created:,} reports "
            f"({created / args.seconds:,.1f}/s), {errors} errors, {created - stored} lost; "
            f"{_row('', result['latencies'], None, p95=True).split('|')[2].strip()} | 0 errors, 0 lost |"
        )
        if errors:
            print("answers: " + json.dumps(result["counts"]))
    finally:
        store.close()
        server.stop()


if __name__ == "__main__":
    main()
