"""Benchmark of mixed map traffic (issue 10): what the map pages ask for, from many clients at once on loopback —
vector tiles (with and without filters, WGS-84 and GCJ-02), nearest five, the counts and popups the pages fetch,
and the pages themselves; throughput, p50/p99 and errors.

    .venv/bin/python -m benchmarks.map_traffic http://127.0.0.1:5000 [--clients 50] [--seconds 60]

Run it against a server on loopback (`make run`, `make city` first for the city scale; either backend) started with
the anonymous rate limit raised, or every client beyond it gets 429 and counts as an error:
`GEO_APP_RATE_LIMIT_ANONYMOUS="1000000 per minute" make run`. It needs `wrk` (Debian: apt-get install wrk) and
asks for gzip, as browsers do. The report is a Markdown table, printed and written under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from benchmarks.measure import Client, get_ok, machine, query_points, save, wrk_load
from geo_app.tiles import TMS

# (layer, extra query) of the tiles asked for: the public map's layers and filters, the Amap basemap, the grids
TILE_KINDS = [
    ("toilets", ""),
    ("toilets", "wheelchair=yes&fee=no"),
    ("bike_stations", "min_num_bikes_available=1"),
    ("parking_lots", ""),
    ("toilets", "crs=GCJ02"),
    ("grids", ""),
]
ZOOMS = (12, 13, 14, 15, 16)
PAGES = ["/", "/grid?district=320508", "/districts/320508"]


def traffic(client: Client, points) -> dict[str, list[str]]:
    """The requests of the mix by kind, spread over the places the server holds grids at."""
    tiles = []
    for i, (lon, lat) in enumerate(points):
        layer, query = TILE_KINDS[i % len(TILE_KINDS)]
        z = ZOOMS[i % len(ZOOMS)] if layer != "grids" else max(13, ZOOMS[i % len(ZOOMS)])
        t = TMS.tile(float(lon), float(lat), z)
        tiles.append(f"/tiles/{layer}/{t.z}/{t.x}/{t.y}.mvt" + (f"?{query}" if query else ""))
    ids = [
        f["id"] for f in json.loads(get_ok(client, f"/ogc/collections/toilets/items?limit={len(points)}"))["features"]
    ]
    return {
        "tiles": tiles,
        "nearest": [f"/api/nearest?lon={x}&lat={y}&type=toilets&n=5" for x, y in points],
        "counts": [
            "/ogc/collections/toilets/items?limit=1",
            "/ogc/collections/bike_stations/items?limit=1&min_num_bikes_available=1",
        ],
        "popups": [f"/ogc/collections/toilets/items/{i}" for i in ids],
        "pages": PAGES,
    }


def mix(kinds: dict[str, list[str]], tiles_per_page: int = 20) -> list[tuple[str, str]]:
    """(kind, path): a page view every `tiles_per_page` tiles, a nearest every 4, a popup every 8, a count every 10."""
    out = []
    for i, tile in enumerate(kinds["tiles"]):
        out.append(("tiles", tile))
        for kind, every in (("nearest", 4), ("popups", 8), ("counts", 10), ("pages", tiles_per_page)):
            if i % every == 0 and kinds[kind]:
                out.append((kind, kinds[kind][(i // every) % len(kinds[kind])]))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--points", type=int, default=300, help="places (inside grid cells) the requests are spread over"
    )
    args = parser.parse_args(argv)
    client = Client(args.url)
    requests = mix(traffic(client, query_points(client, args.points)))
    shares = Counter(kind for kind, _ in requests)
    result = wrk_load(args.url, [path for _, path in requests], args.clients, args.seconds, {"Accept-Encoding": "gzip"})
    rows = ["| what | result | aim |", "| --- | ---: | ---: |"]
    if "note" in result:
        rows.append(f"| mixed map traffic | {result['note']} | |")
    else:
        rows += [
            f"| throughput ({args.clients} connections, {args.seconds} s) | {result['rps']:.1f} req/s | ≥ 500 req/s |",
            f"| p50 / p99 | {result['p50_us'] / 1000:.1f} / {result['p99_us'] / 1000:.1f} ms | |",
            f"| errors (connect, read, write, timeout, non-2xx) | {result['errors']} of {result['requests']} | 0 |",
            f"| transferred | {result['bytes'] / 2**20:.1f} MiB | |",
        ]
    mixture = ", ".join(f"{n} {kind}" for kind, n in shares.most_common())
    save(
        "map_traffic",
        f"Mixed map traffic, {args.url} — {machine()}\n\nThe mix ({len(requests)} requests, cycled): "
        f"{mixture}.\n\n" + "\n".join(rows),
    )


if __name__ == "__main__":
    main()
