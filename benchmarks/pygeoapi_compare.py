"""OGC API - Features items from this service and from pygeoapi serving the same GeoPackage tables.

    .venv/bin/python -m benchmarks.pygeoapi_compare http://127.0.0.1:5000 --gpkg instance/suzhou.gpkg

Measures `/collections/{id}/items?limit=1000` at offsets spread over each collection, the same requests on both
servers, one keep-alive connection each, and prints p50/p95 and the ratio pygeoapi / this service. pygeoapi runs
from its own virtualenv (it is not a dependency of the project) with its SQLiteGPKG provider, under gunicorn with
the worker processes and threads `make run` gives this service (one worker per core, 4 threads). Set it up once:

    apt-get install libsqlite3-mod-spatialite        # the provider loads SpatiaLite
    .venv/bin/python -m benchmarks.pygeoapi_compare --setup   # /usr/bin/python3 -m venv /tmp/pygeoapi-venv; pip install pygeoapi gunicorn

The venv must come from a Python whose sqlite3 can load extensions (Debian's /usr/bin/python3 can; a pyenv
build often cannot). The report is printed and written under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

from benchmarks.measure import Client, machine, run_series, save
from geo_app.settings import DEFAULTS
from tests.live import wait_for

VENV = Path("/tmp/pygeoapi-venv")
SETUP_PYTHON = "/usr/bin/python3"
WORKERS = os.cpu_count() or 2  # as `make run`: one worker process per core, 4 threads each
THREADS = 4
CITY_BBOX = [119.9, 30.7, 121.4, 32.1]


def setup(venv: Path) -> None:
    subprocess.run([SETUP_PYTHON, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "pygeoapi", "gunicorn"], check=True)


def preflight(venv: Path) -> None:
    """Refuse early, saying what to do, when pygeoapi or SpatiaLite cannot run."""
    python = venv / "bin" / "python"
    if not (venv / "bin" / "pygeoapi").exists():
        raise SystemExit(f"no pygeoapi in {venv}: run with --setup first (see the module's docstring)")
    check = (
        "import sqlite3; c = sqlite3.connect(':memory:'); c.enable_load_extension(True); "
        "c.execute(\"select load_extension('mod_spatialite')\")"
    )
    done = subprocess.run([str(python), "-c", check], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(
            "pygeoapi's SQLiteGPKG provider needs SpatiaLite and a Python that loads extensions: "
            f"apt-get install libsqlite3-mod-spatialite; build {venv} from {SETUP_PYTHON}.\n{done.stderr[-300:]}"
        )


def config(gpkg: Path, port: int, collections: dict[str, str]) -> dict:
    """A minimal pygeoapi configuration (JSON is YAML) publishing `collections` (table -> id field) of gpkg."""
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "language": "en-US",
            "pretty_print": False,
            "limits": {"default_items": 10, "max_items": 10000},
            "map": {"url": "", "attribution": ""},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "benchmark",
                "description": "benchmark",
                "keywords": ["benchmark"],
                "keywords_type": "theme",
                "terms_of_service": "",
                "url": "",
            },
            "license": {"name": "CC0-1.0", "url": ""},
            "provider": {"name": "benchmark", "url": ""},
            "contact": {"name": "benchmark"},
        },
        "resources": {
            table: {
                "type": "collection",
                "title": table,
                "description": table,
                "keywords": [table],
                "extents": {"spatial": {"bbox": CITY_BBOX, "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                "providers": [
                    {"type": "feature", "name": "SQLiteGPKG", "data": str(gpkg), "id_field": id_field, "table": table}
                ],
            }
            for table, id_field in collections.items()
        },
    }


class PygeoapiServer:
    def __init__(self, venv: Path, gpkg: Path, port: int, collections: dict[str, str]):
        self.folder = tempfile.TemporaryDirectory()
        folder = Path(self.folder.name)
        config_path, openapi_path = folder / "pygeoapi.yml", folder / "openapi.yml"
        config_path.write_text(json.dumps(config(gpkg, port, collections)), encoding="utf-8")
        env = dict(os.environ, PYGEOAPI_CONFIG=str(config_path), PYGEOAPI_OPENAPI=str(openapi_path))
        subprocess.run(
            [
                str(venv / "bin" / "pygeoapi"),
                "openapi",
                "generate",
                str(config_path),
                "--output-file",
                str(openapi_path),
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        self.url = f"http://127.0.0.1:{port}"
        self.log = (folder / "server.log").open("w+b")  # never a pipe nobody reads: it would fill and block
        self.process = subprocess.Popen(
            [
                str(venv / "bin" / "gunicorn"),
                f"--workers={WORKERS}",
                f"--threads={THREADS}",
                f"--bind=127.0.0.1:{port}",
                "pygeoapi.flask_app:APP",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        try:
            wait_for(self.process, self.url + "/collections?f=json", 60, log=self.log)
        except RuntimeError as exc:
            raise SystemExit(f"pygeoapi: {exc}") from None

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()
        self.folder.cleanup()


def offsets(ours: Client, collection: str, runs: int, limit: int) -> list[int]:
    """Page offsets spread over the collection (its size as this service counts it: the same table)."""
    status, body, _ = ours.get(f"/ogc/collections/{collection}/items?limit=1")
    if status != 200:
        raise SystemExit(f"/ogc/collections/{collection}/items answered {status}: {body[:300]!r}")
    last = max(json.loads(body)["numberMatched"] - limit, 0)
    return [(i * 7919) % (last + 1) for i in range(runs)]


def returned(client: Client, path: str) -> int:
    return len(json.loads(client.get(path)[1])["features"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", help="this service, e.g. http://127.0.0.1:5000")
    parser.add_argument("--gpkg", type=Path, default=Path(DEFAULTS["STORE"]), help="the store the service serves")
    parser.add_argument("--venv", type=Path, default=VENV)
    parser.add_argument(
        "--setup", action="store_true", help=f"create --venv from {SETUP_PYTHON} with pygeoapi and gunicorn"
    )
    parser.add_argument("--port", type=int, default=5099, help="where pygeoapi listens (loopback)")
    parser.add_argument("--collections", default="toilets:id,grids:code", help="table:id_field, comma-separated")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args(argv)
    if args.setup:
        setup(args.venv)
        if args.url is None:
            return
    if args.url is None:
        parser.error("give this service's URL")
    preflight(args.venv)
    collections = dict(item.split(":", 1) for item in args.collections.split(","))
    ours = Client(args.url.rstrip("/"))
    server = PygeoapiServer(args.venv, args.gpkg.resolve(), args.port, collections)
    try:
        theirs = Client(server.url)
        lines = [
            f"OGC API - Features items, this service ({args.url}) and pygeoapi (SQLiteGPKG provider, gunicorn "
            f"{WORKERS} workers x {THREADS} threads) on {args.gpkg.name}; {args.runs} requests of limit={args.limit} each; {machine()}",
            "",
            "| collection | this service p50 / p95 | pygeoapi p50 / p95 | features per page (ours / pygeoapi) | ratio of p50 (pygeoapi / ours) |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for collection in collections:
            starts = offsets(ours, collection, args.runs, args.limit)
            our_paths = [f"/ogc/collections/{collection}/items?limit={args.limit}&offset={o}" for o in starts]
            their_paths = [f"/collections/{collection}/items?limit={args.limit}&offset={o}&f=json" for o in starts]
            mine = run_series(ours, collection, our_paths)
            other = run_series(theirs, collection, their_paths)
            counts = f"{returned(ours, our_paths[0])} / {returned(theirs, their_paths[0])}"
            lines.append(
                f"| {collection} | {mine.ms(50):.1f} / {mine.ms(95):.1f} ms | {other.ms(50):.1f} / "
                f"{other.ms(95):.1f} ms | {counts} | {other.ms(50) / mine.ms(50):.2f} |"
            )
    finally:
        server.stop()
    save("pygeoapi", "\n".join(lines))


if __name__ == "__main__":
    main()
