"""What the HTTP benchmarks share: a keep-alive client, percentiles, query points, the machine line and the
results folder (benchmarks/results/, git-ignored)."""

from __future__ import annotations

import http.client
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import shapely
from shapely.geometry import shape

from geo_app import crs

RESULTS = Path(__file__).resolve().parent / "results"
PAGE = 100
METRIC = f"EPSG:{crs.METRIC_EPSG}"


class Client:
    """One persistent HTTP/1.1 connection to a server on loopback (reconnects when the server closes it)."""

    def __init__(self, base_url: str, headers: dict | None = None, timeout: float = 120):
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise SystemExit(f"give the server as http://host:port, not {base_url!r}")
        self.host, self.port, self.prefix = parts.hostname, parts.port or 80, parts.path.rstrip("/")
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.connection = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, body, seconds) of one request."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                started = time.perf_counter()
                self.connection.request(
                    method, self.prefix + path, body=body, headers={**self.headers, **(headers or {})}
                )
                response = self.connection.getresponse()
                data = response.read()
                return response.status, data, time.perf_counter() - started
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str):
        return self.request("GET", path)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Series:
    """Timings of one kind of request."""

    title: str
    seconds: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, status: int, body: bytes, seconds: float) -> None:
        self.seconds.append(seconds)
        self.sizes.append(len(body))
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def ms(self, q: float) -> float:
        return float(np.percentile(self.seconds, q)) * 1000

    @property
    def not_ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)


def run_series(client: Client, title: str, paths: list[str], warmup: int = 3) -> Series:
    """Each path once, in order, after `warmup` untimed requests."""
    for path in paths[:warmup]:
        client.get(path)
    series = Series(title)
    for path in paths:
        series.add(*client.get(path))
    return series


def query_points(client: Client, n: int) -> np.ndarray:
    """n lon/lat points inside grid cells the server holds (pages spread over its grids collection), so that
    every `/api/grids/at` has an answer."""
    matched = json.loads(get_ok(client, "/ogc/collections/grids/items?limit=1"))["numberMatched"]
    pages = -(-n // PAGE)
    points = []
    for j in range(pages):
        doc = json.loads(get_ok(client, f"/ogc/collections/grids/items?limit={PAGE}&offset={j * matched // pages}"))
        points += [shape(f["geometry"]).representative_point() for f in doc["features"]]
    if not points:
        raise SystemExit("the server holds no grid cells to query around")
    coords = shapely.get_coordinates(np.array(points))
    return np.round(coords[np.arange(n) % len(coords)], 6)


def get_ok(client: Client, path: str) -> bytes:
    status, body, _ = client.get(path)
    if status != 200:
        raise SystemExit(f"{path} answered {status}: {body[:300]!r}")
    return body


def bbox_around(lon: float, lat: float, side_m: float) -> str:
    """minlon,minlat,maxlon,maxlat of a side_m x side_m square (in EPSG:4549 metres) centred on the point."""
    x, y = crs.convert(lon, lat, crs.WGS84, METRIC)
    half = side_m / 2
    lons, lats = crs.convert(np.array([x - half, x + half]), np.array([y - half, y + half]), METRIC, crs.WGS84)
    return f"{lons[0]:.6f},{lats[0]:.6f},{lons[1]:.6f},{lats[1]:.6f}"


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"


def save(name: str, text: str) -> Path:
    """Print the report and keep it under benchmarks/results/."""
    print(text)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%S}.md"
    path.write_text(text + "\n", encoding="utf-8")
    print(f"\n(written to {path})")
    return path


# wrk cycles through the paths, one per request, and prints its summary as one JSON line.
WRK_SCRIPT = """
paths = {%(paths)s}
counter = 0
%(headers)s
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def wrk_load(url: str, paths: list[str], clients: int, seconds: int, headers: dict | None = None) -> dict:
    """`clients` connections for `seconds` through wrk (Debian's `wrk` package), cycling through the paths:
    requests, bytes, p50/p99 (µs), errors (any non-2xx answer counts) and req/s; {"note": why} when it could not run."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"note": "skipped: wrk is not installed (Debian: apt-get install wrk)"}
    lines = "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths), "headers": lines})
    try:
        done = subprocess.run(
            [wrk, "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--timeout", "30s", "-s", script.name, url],
            capture_output=True,
            text=True,
        )
    finally:
        os.unlink(script.name)
    line = next((l for l in done.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
    if line is None:
        return {"note": f"wrk failed: {(done.stderr or done.stdout).strip()[-300:]}"}
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["kinds"] = len(paths)
    return result
