"""Benchmark of the store under a running server (issue 7): read latencies over HTTP, an import through the CLI,
concurrent scenario saves (are any lost?) and mixed reads from many clients.

    .venv/bin/python -m benchmarks.store http://127.0.0.1:5000 [--store instance/suzhou.gpkg] [--token T]

Run it against a server on loopback (`make run`, or `make city` first for the city-scale set). It changes the
server's data: the import replaces the toilets of `--store` (give the server's own store to measure an import
while it serves, or a copy) and the saves add scenarios named `bench-<run>-<n>`. Parts: --only latency,import,
saves,load. Mixed reads need `wrk` (Debian: apt-get install wrk). The report is a Markdown table, printed and
written under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from multiprocessing import Pool
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.build_store import large_csv
from benchmarks.measure import Client, Series, bbox_around, get_ok, machine, query_points, run_series, save, wrk_load
from geo_app.settings import ROOT

PARTS = ("latency", "import", "saves", "load")
# A save solves its siting request first: a small one (about 2 s of CBC), so that the store's writes matter.
SAVE_PARAMS = "type=refuse_stations&districts=320508&k=1&spacing=1000"
AIMS = {
    "grids_at": "≤ 10 ms",
    "nearest": "≤ 5 ms",
    "bbox": "≤ 30 ms",
    "ogc": "≤ 50 ms",
    "import": "≤ 10 s",
    "saves": "0 lost",
    "load": "0 errors",
}


def latency_paths(points) -> dict[str, tuple[str, list[str]]]:
    return {
        "grids_at": (
            "`/api/grids/at` (the grid containing a point)",
            [f"/api/grids/at?lon={x}&lat={y}" for x, y in points],
        ),
        "nearest": ("`/api/nearest` 5 toilets", [f"/api/nearest?lon={x}&lat={y}&type=toilets&n=5" for x, y in points]),
        "bbox": (
            "`/api/facilities/grids?bbox=` 2 × 2 km",
            [f"/api/facilities/grids?bbox={bbox_around(x, y, 2000)}" for x, y in points],
        ),
    }


def ogc_paths(client: Client, collection: str, runs: int, limit: int = 1000) -> list[str]:
    """Pages of `limit` items at offsets spread over the collection."""
    matched = json.loads(get_ok(client, f"/ogc/collections/{collection}/items?limit=1"))["numberMatched"]
    last = max(matched - limit, 0)
    return [f"/ogc/collections/{collection}/items?limit={limit}&offset={(i * 7919) % (last + 1)}" for i in range(runs)]


def measure_latency(client: Client, points, runs: int) -> list[tuple[str, Series]]:
    out = [(key, run_series(client, title, paths)) for key, (title, paths) in latency_paths(points).items()]
    out.append(("ogc", run_series(client, "OGC items, limit=1000 toilets", ogc_paths(client, "toilets", runs))))
    return out


def measure_import(client: Client, store: str, rows: int) -> dict:
    """`flask import-layer toilets` of a GCJ-02 CSV of `rows` toilets, timed as a process (start-up included)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "toilets.csv"
        large_csv(path, rows)
        location = store if "://" in store else str(Path(store).resolve())
        env = dict(os.environ, GEO_APP_STORE=location, GEO_APP_MAX_IMPORT_BYTES=str(max(path.stat().st_size, 50 << 20)))
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "geo_app",
                "import-layer",
                "toilets",
                str(path),
                "--crs",
                "GCJ02",
                "--source",
                "benchmark",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        return {"seconds": seconds, "note": f"failed: {(done.stderr or done.stdout).strip()[-300:]}"}
    status, body, _ = client.get("/ogc/collections/toilets/items?limit=1")
    served = json.loads(body).get("numberMatched") if status == 200 else None
    return {
        "seconds": seconds,
        "note": f"{rows:,} rows; the server then serves {served:,} toilets"
        if served is not None
        else f"{rows:,} rows; the server answered {status}",
    }


def _save_batch(job: tuple) -> list[tuple[int, str]]:
    """One client process: its share of the saves, one after another. Returns (status, id or error)."""
    url, headers, names, params = job
    client = Client(url, headers)
    out = []
    for name in names:
        body = urlencode({"name": name, **dict(p.split("=", 1) for p in params.split("&"))}).encode()
        status, data, _ = client.request(
            "POST", "/api/plan/scenarios", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        try:
            answer = json.loads(data)
        except ValueError:
            answer = {}
        out.append((status, answer.get("id") or data[:200].decode(errors="replace")))
    client.close()
    return out


def _finished_job(url: str, headers: dict, params: str) -> str:
    """Run the siting request once as a job and wait for it: every save then stores that result (job=<id>), so
    the benchmark measures the store's writes, not the solver."""
    client = Client(url, headers)
    status, data, _ = client.request(
        "POST", "/api/plan/jobs", params.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    if status != 202:
        raise SystemExit(f"starting the siting job answered {status}: {data[:300]!r}")
    job = json.loads(data)
    while json.loads(get_ok(client, job["url"]))["state"] not in ("done", "failed", "cancelled"):
        time.sleep(0.5)
    client.close()
    return f"job={job['id']}"


def measure_saves(url: str, headers: dict, saves: int, clients: int, params: str) -> dict:
    run = uuid.uuid4().hex[:8]
    names = [f"bench-{run}-{i}" for i in range(saves)]
    params = _finished_job(url, headers, params)
    jobs = [(url, headers, names[i::clients], params) for i in range(clients)]
    started = time.perf_counter()
    with Pool(clients) as pool:
        results = [r for batch in pool.map(_save_batch, jobs) for r in batch]
    seconds = time.perf_counter() - started
    acknowledged = {ident for status, ident in results if status == 201}
    refused = {}
    for status, detail in results:
        if status != 201:
            refused.setdefault(status, detail)
    listing = json.loads(get_ok(Client(url, headers), "/api/plan/scenarios"))["scenarios"]
    listed = {s["id"] for s in listing if s["name"].startswith(f"bench-{run}-")}
    return {
        "seconds": seconds,
        "acknowledged": len(acknowledged),
        "refused": refused,
        "listed": len(listed),
        "lost": len(acknowledged - listed),
    }


def measure_load(url: str, token: str | None, clients: int, seconds: int, points) -> dict:
    mix = [p for _, paths in latency_paths(points).values() for p in paths]
    mix += [f"/ogc/collections/toilets/items?limit=100&offset={i * 97}" for i in range(len(points))]
    mix += ["/api/districts", "/api/layers"]
    return wrk_load(url, mix, clients, seconds, {"Authorization": f"Bearer {token}"} if token else {})


def report(url: str, args, latency, imported, saves, load) -> str:
    lines = [f"Store benchmark against {url}; {machine()}", ""]
    if latency:
        lines += [
            f"Latency: {args.runs} requests each over one keep-alive connection, after 3 warm-up requests; "
            "points inside grid cells spread over the store.",
            "",
            "| request | p50 | p95 | mean size | not 200 | aim |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for key, series in latency:
            size = sum(series.sizes) / len(series.sizes) / 1024
            lines.append(
                f"| {series.title} | {series.ms(50):.1f} ms | {series.ms(95):.1f} ms | {size:,.1f} KiB "
                f"| {series.not_ok} | {AIMS[key]} |"
            )
        lines.append("")
    rows = []
    if imported:
        took = f"{imported['seconds']:.1f} s" if imported["seconds"] is not None else "—"
        rows.append(
            f"| import toilets through `flask import-layer` (GCJ-02 CSV) | {took} "
            f"| {imported['note']} | {AIMS['import']} |"
        )
    if saves:
        refused = "; ".join(f"{status}: {detail}" for status, detail in saves["refused"].items()) or "none"
        rows.append(
            f"| {args.saves} scenario saves from {args.save_clients} client processes | "
            f"{saves['seconds']:.1f} s ({args.saves / saves['seconds']:.1f}/s) | {saves['acknowledged']} acknowledged, "
            f"{saves['listed']} listed, **{saves['lost']} lost**; refused: {refused} | {AIMS['saves']} |"
        )
    if load:
        if "note" in load:
            rows.append(f"| mixed reads, {args.load_clients} clients | {load['note']} | | {AIMS['load']} |")
        else:
            rows.append(
                f"| mixed reads ({load['kinds']} URLs: grids/at, nearest, bbox, OGC pages, districts, layers), "
                f"{args.load_clients} connections for {args.load_seconds} s (wrk) | {load['rps']:.1f} req/s | "
                f"p50 {load['p50_us'] / 1000:.1f} ms, p99 {load['p99_us'] / 1000:.1f} ms; {load['requests']:,} "
                f"requests, **{load['errors']} errors** (connect {load['connect']}, read {load['read']}, "
                f"write {load['write']}, status {load['status']}, timeout {load['timeout']}) | {AIMS['load']} |"
            )
    if rows:
        lines += ["| what | result | detail | aim |", "| --- | ---: | --- | ---: |", *rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the running server, e.g. http://127.0.0.1:5000")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {', '.join(PARTS)}")
    parser.add_argument("--runs", type=int, default=200, help="requests per latency case")
    parser.add_argument("--token", help="sent as `Authorization: Bearer` (saving may need a login)")
    parser.add_argument(
        "--store", help="import: the store the CLI imports into, a GeoPackage path or a postgresql:// URL"
    )
    parser.add_argument("--rows", type=int, default=20_000, help="import: toilets in the CSV")
    parser.add_argument("--saves", type=int, default=1000)
    parser.add_argument("--save-clients", type=int, default=8)
    parser.add_argument("--save-params", default=SAVE_PARAMS, help="the siting request each save carries")
    parser.add_argument("--load-clients", type=int, default=50)
    parser.add_argument("--load-seconds", type=int, default=60)
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    if parts - set(PARTS):
        parser.error(f"--only takes {', '.join(PARTS)}, not {', '.join(sorted(parts - set(PARTS)))}")
    url = args.url.rstrip("/")
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    client = Client(url, headers)
    status, body, _ = client.get("/health")
    if status != 200:
        raise SystemExit(f"{url}/health answered {status}: {body[:300]!r}")
    points = query_points(client, args.runs)
    latency = measure_latency(client, points, args.runs) if "latency" in parts else None
    imported = None
    if "import" in parts:
        imported = (
            measure_import(client, args.store, args.rows)
            if args.store
            else {"seconds": None, "note": "skipped: give --store"}
        )
    saves = measure_saves(url, headers, args.saves, args.save_clients, args.save_params) if "saves" in parts else None
    load = measure_load(url, args.token, args.load_clients, args.load_seconds, points) if "load" in parts else None
    client.close()
    save("store", report(url, args, latency, imported, saves, load))


if __name__ == "__main__":
    main()
