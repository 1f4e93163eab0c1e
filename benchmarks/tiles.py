"""Benchmark of the vector tiles (issue 10): p50/p95 of tiles at zoom 10, 13 and 16 around the server's grid
cells, cold (the first request of each tile in the server process) and warm (the same tile again), for a point
layer and the grids; sizes as sent with gzip.

    .venv/bin/python -m benchmarks.tiles http://127.0.0.1:5000 [--tiles 60]

Run it against a freshly started server (`make run`) so that the first requests are really cold: with several
worker processes a tile is cold in each of them once, so warm requests repeat each tile four times and keep the
last. The report is a Markdown table, printed and written under benchmarks/results/.
"""

from __future__ import annotations

import argparse

from benchmarks.measure import Client, Series, machine, query_points, save
from geo_app.tiles import TMS

ZOOMS = (10, 13, 16)
LAYERS = ("toilets", "grids")


def tile_paths(points, layer: str, z: int, count: int) -> list[str]:
    tiles = list(dict.fromkeys(TMS.tile(float(x), float(y), z) for x, y in points))[:count]
    return [f"/tiles/{layer}/{t.z}/{t.x}/{t.y}.mvt" for t in tiles]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--tiles", type=int, default=60, help="distinct tiles per layer and zoom")
    args = parser.parse_args()
    points = query_points(Client(args.url), args.tiles * 20)
    client = Client(args.url, headers={"Accept-Encoding": "gzip"})
    rows = [
        "| layer | zoom | tiles | cold p50 / p95 | warm p50 / p95 | mean size (gzip) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for layer in LAYERS:
        for z in ZOOMS:
            paths = tile_paths(points, layer, z, args.tiles)
            cold, warm = Series("cold"), Series("warm")
            for path in paths:
                cold.add(*client.get(path))
            for path in paths:
                for _ in range(3):
                    client.get(path)
                warm.add(*client.get(path))
            bad = cold.not_ok + warm.not_ok
            rows.append(
                f"| {layer} | {z} | {len(paths)} | {cold.ms(50):.1f} / {cold.ms(95):.1f} ms | "
                f"{warm.ms(50):.1f} / {warm.ms(95):.1f} ms | {sum(cold.sizes) / max(1, len(cold.sizes)) / 1024:.1f} KiB"
                + (f" ({bad} not 200)" if bad else "")
                + " |"
            )
    save("tiles", f"Vector tiles, {args.url} — {machine()}\n\n" + "\n".join(rows))


if __name__ == "__main__":
    main()
