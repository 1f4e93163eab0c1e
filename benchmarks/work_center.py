"""Benchmark of the work center (issue 17's aims), over HTTP on loopback against gunicorn's asgi workers serving the
store, as `make run` does:

- a dispatcher's first page of work (GET /api/work, and the /work page) ≤ 100 ms p95;
- an event within 2 s of its report while 100 reporters post (the time from a report's 201 to its event on a
  dispatcher's open stream: p50, p95, max, and any event that never came);
- 200 open event streams held with < 50 MB extra server memory (the workers' resident memory before and after)
  and no worker tied up per stream (/health answers while they are open; one report reaches all 200).

Run on a copy of a store with the cases loaded (`flask demo --scale city` for the full 750,852):

    .venv/bin/python -m benchmarks.work_center --store /path/to/copy.gpkg
    .venv/bin/python -m benchmarks.work_center --store postgresql://geo_app:geo_app@127.0.0.1:5432/copy
    .venv/bin/python -m benchmarks.work_center --reporters 10 --seconds 5 --streams 20     # a quick check

It adds its users (`bench-*`) and their reports to the store."""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import threading
import time
import urllib.parse
from pathlib import Path

from benchmarks.cases import _concurrent, _report_form, _request, _row, bench_server
from geo_app.auth import users
from geo_app.cases.tables import CASES
from geo_app.store import open_store

ROOT = Path(__file__).resolve().parent.parent


def _rss_kb(pid: int) -> int:
    """Resident memory of a process and its children (the gunicorn master and its workers), in KiB."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(entry.name) == pid or fields.get("PPid", "").strip() == str(pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total


class Stream:
    """An event stream read on its own thread: the arrival time of every case event by case id."""

    def __init__(self, url: str, token: str):
        host, port = urllib.parse.urlsplit(url).netloc.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=300)
        self.sock.sendall(
            f"GET /api/work/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        self.arrived: dict[str, float] = {}
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        buffer = b""
        try:
            while chunk := self.sock.recv(65536):
                buffer += chunk
                now = time.perf_counter()
                if b"event: ready" in buffer:
                    self.ready.set()
                for line in buffer.split(b"\n")[:-1]:
                    if line.startswith(b"data: {") and b'"case_id"' in line:
                        self.arrived.setdefault(json.loads(line[6:])["case_id"], now)
                buffer = buffer.rsplit(b"\n", 1)[-1]
        except OSError:
            pass

    def close(self) -> None:
        self.sock.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default=os.environ.get("GEO_APP_STORE", str(ROOT / "instance" / "suzhou.gpkg")))
    parser.add_argument("--runs", type=int, default=101)
    parser.add_argument("--reporters", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    server = bench_server(args.store, args.workers)
    store = open_store(args.store)
    try:
        total = store.count(CASES)
        names = [f"bench-reporter-{i}" for i in range(args.reporters)]
        for name in [*names, "bench-dispatcher"]:
            if users.get(store, name) is None:
                users.add(store, name, "dispatcher" if name == "bench-dispatcher" else "admin", "bench password 1")
        tokens = [users.new_token(store, name) for name in names]
        dispatcher = users.new_token(store, "bench-dispatcher")
        grid = store.read("grids", columns=["code"], limit=1).iloc[0]["code"]
        point = store.read("grids", where={"code": grid}).geometry.iloc[0].representative_point()
        place = (point.x, point.y)
        load = os.getloadavg()
        print(
            f"Machine: {os.cpu_count()} cores; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the start; "
            f"{time.strftime('%Y-%m-%d')}; store {store} with {total:,} cases; gunicorn -k asgi, {args.workers} "
            f"workers; {args.runs} requests each after a warm-up\n"
        )
        print("| measure | measured | aim |\n| --- | ---: | ---: |")
        samples = {}
        for name, path in (("GET /api/work", "/api/work"), ("the /work page", "/work")):
            samples[name] = []
            _request(server.url + path, token=dispatcher)
            for _ in range(args.runs):
                started = time.perf_counter()
                status, _ = _request(server.url + path, token=dispatcher)
                samples[name].append(time.perf_counter() - started)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
            print(_row(f"a dispatcher's first page of work ({name})", samples[name], 0.100, p95=True))

        # an event within 2 s of its report while the reporters post
        listener = Stream(server.url, dispatcher)
        listener.ready.wait(30)
        result = _concurrent(server.url, tokens, place, args.seconds)
        answered = result["answered"]
        errors = {k: n for k, n in result["counts"].items() if k != 201}
        if errors:
            print(f"report errors: {errors}")
        time.sleep(5)  # the last events
        lags = sorted(listener.arrived[c] - t for c, t in answered.items() if c in listener.arrived)
        missing = [c for c in answered if c not in listener.arrived]
        listener.close()
        p95 = lags[min(len(lags) - 1, int(0.95 * len(lags)))] if lags else float("nan")
        print(
            f"| event after its report, {args.reporters} reporters for {args.seconds:g} s ({len(answered):,} reports) "
            f"| p50 {statistics.median(lags) * 1000:,.0f} ms, p95 {p95 * 1000:,.0f} ms, max {lags[-1] * 1000:,.0f} ms; "
            f"{len(missing)} never came {'✓' if p95 <= 2 and not missing else '✗'} | ≤ 2 s |"
        )

        # streams held: memory, /health meanwhile, one report to all of them
        time.sleep(2)
        before = _rss_kb(server.process.pid)
        streams = [Stream(server.url, dispatcher) for _ in range(args.streams)]
        opened = sum(s.ready.wait(60) for s in streams)
        time.sleep(2)
        after = _rss_kb(server.process.pid)
        health = []
        for _ in range(21):
            started = time.perf_counter()
            _request(server.url + "/health")
            health.append(time.perf_counter() - started)
        status, body = _request(server.url + "/api/cases", data=_report_form(place), token=tokens[0])
        sent = time.perf_counter()
        case_id = json.loads(body)["id"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(case_id in s.arrived for s in streams):
            time.sleep(0.05)
        reached = [s.arrived[case_id] - sent for s in streams if case_id in s.arrived]
        extra_mb = (after - before) / 1024
        print(
            f"| {args.streams} open event streams ({opened} ready) | {extra_mb:,.1f} MB more resident memory "
            f"({before / 1024:,.0f} → {after / 1024:,.0f} MB, master and workers) {'✓' if extra_mb < 50 else '✗'} "
            f"| < 50 MB |"
        )
        print(_row(f"/health while {args.streams} streams are open", health, 0.100, p95=True))
        print(
            f"| one report to {args.streams} open streams | {len(reached)} reached, the last after "
            f"{max(reached) * 1000 if reached else float('nan'):,.0f} ms | all, ≤ 2 s |"
        )
        for s in streams:
            s.close()
    finally:
        store.close()
        server.stop()


if __name__ == "__main__":
    main()
