"""The store under several processes at once, on both backends: no acknowledged write is lost, a reader never
sees half a write, a writer killed mid-write leaves the old state, and a deployment keeps what users made."""

from __future__ import annotations

import csv
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo_app.planning import scenarios
from geo_app.settings import ROOT
from geo_app.store import open_store
from tests.conftest import BOTH_BACKENDS, LAYERS
from tests.live import wait_until

SAVERS, SAVES_EACH = 8, 12
SPAWN = multiprocessing.get_context("spawn")  # a clean interpreter per process, as separate workers are


def _result(tag: str) -> dict:
    sites = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [120.6 + i / 100, 31.3]},
            "properties": {"number": i + 1, "adcode": "320508", "adds_pct": 0.5},
        }
        for i in range(2)
    ]
    return {
        "request": {"type": "toilets", "tag": tag},
        "coverage": {"before_pct": 1.0, "after_pct": 2.0},
        "sites": {"type": "FeatureCollection", "features": sites},
    }


def _save_many(location: str, worker: int, acknowledged) -> None:
    store = open_store(location)
    for i in range(SAVES_EACH):
        acknowledged.put(scenarios.save(store, f"w{worker}-{i}", _result(f"{worker}-{i}")))


def _csv(path: Path, prefix: str, count: int, **extra) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        rows = [
            [f"{prefix}{i}", f"站点{i}", f"{120.55 + i / 1000:.4f}", "31.3000", *extra.values()] for i in range(count)
        ]
        csv.writer(out).writerows([["id", "name", "lon", "lat", *extra]] + rows)
    return path


def _flask(location, *args) -> subprocess.Popen:
    env = dict(os.environ, GEO_APP_STORE=str(location), GEO_APP_LAYERS_DIR=str(LAYERS))
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "geo_app", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@BOTH_BACKENDS
def test_concurrent_saves_and_imports_all_land(store_path, tmp_path):
    location = str(store_path)
    acknowledged = SPAWN.Queue()
    savers = [SPAWN.Process(target=_save_many, args=(location, w, acknowledged)) for w in range(SAVERS)]
    for process in savers:
        process.start()
    imports = [
        _flask(location, "import-layer", "toilets", str(_csv(tmp_path / "t.csv", "T", 40))),
        _flask(location, "import-layer", "bike_stations", str(_csv(tmp_path / "b.csv", "B", 30, capacity=20))),
    ]
    outputs = [p.communicate(timeout=300)[0] for p in imports]
    for process in savers:
        process.join(timeout=300)
    assert all(p.returncode == 0 for p in imports), outputs
    assert all(p.exitcode == 0 for p in savers)
    saved = {acknowledged.get(timeout=5) for _ in range(SAVERS * SAVES_EACH)}
    store = open_store(location)
    listed = {s["id"] for s in scenarios.listing(store)}
    assert saved <= listed and len(saved) == SAVERS * SAVES_EACH  # every acknowledged save is there
    assert store.count("scenario_sites") == 2 * len(saved)
    assert sorted(store.read("toilets")["id"]) == sorted(f"T{i}" for i in range(40))
    assert sorted(store.read("bike_stations")["id"]) == sorted(f"B{i}" for i in range(30))
    sources = store.read("layer_sources").set_index("layer")
    assert sources.loc["toilets", "kind"] == "imported" and sources.loc["bike_stations", "kind"] == "imported"


def _rewrite_generations(location: str, rows: int, generations: int) -> None:
    store = open_store(location)
    for generation in range(generations):
        frame = gpd.GeoDataFrame(
            {"id": [f"g{generation}-{i}" for i in range(rows)], "name": [f"gen{generation}"] * rows},
            geometry=[Point(120.5 + i / 1000, 31.3) for i in range(rows)],
            crs=4326,
        )
        with store.transaction() as tx:
            tx.replace("toilets", frame)
            tx.replace("generation", frame.drop(columns="geometry").head(1))


@BOTH_BACKENDS
def test_a_reader_never_sees_half_a_write(store_path):
    location, rows = str(store_path), 300
    _rewrite_generations(location, rows, 1)
    writer = SPAWN.Process(target=_rewrite_generations, args=(location, rows, 40))
    writer.start()
    store, seen = open_store(location), set()
    while writer.is_alive():
        frame = store.read("toilets")
        assert len(frame) == rows and frame["name"].nunique() == 1, "a reader saw a mix of two writes"
        seen.add(frame["name"].iloc[0])
        everywhere = store.read("toilets", bbox=(120.4, 31.2, 120.9, 31.4))
        assert len(everywhere) == rows and everywhere["name"].nunique() == 1
    writer.join()
    assert writer.exitcode == 0 and len(seen) > 1  # it read while the writes went on
    assert store.read("toilets")["name"].unique().tolist() == ["gen39"]


def _hold_a_write(location: str, marker: str) -> None:
    store = open_store(location)
    with store.transaction() as tx:
        tx.replace("toilets", gpd.GeoDataFrame({"id": ["half"]}, geometry=[Point(120.6, 31.3)], crs=4326))
        tx.delete("district_stats", {"code": "320508"})
        Path(marker).write_text("inside")
        # holds the write open until the test kills this process (as soon as it sees the marker); the bound only
        # ends a writer the test left behind. Not a wait for anything: no condition to check here.
        time.sleep(120)


@BOTH_BACKENDS
def test_a_writer_killed_mid_write_leaves_the_old_state(store_path, tmp_path):
    location, marker = str(store_path), tmp_path / "marker"
    store = open_store(location)
    toilets, version = sorted(store.read("toilets")["id"]), store.version()
    writer = SPAWN.Process(target=_hold_a_write, args=(location, str(marker)))
    writer.start()
    wait_until(marker.exists, 120, "the writer's marker")
    os.kill(writer.pid, signal.SIGKILL)
    writer.join()
    reopened = open_store(location)
    assert sorted(reopened.read("toilets")["id"]) == toilets and reopened.version() == version
    assert reopened.count("district_stats", where={"code": "320508"}) == 1
    with reopened.transaction() as tx:  # and the next writer is not locked out
        tx.delete("toilets", {"id": toilets[0]})
    assert reopened.count("toilets") == len(toilets) - 1


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "flask").exists(), reason="needs the project's .venv (make setup)")
def test_a_deployment_keeps_imports_and_scenarios(tmp_path):
    """`make store` is what `make run` does on every start: after the first, it never rebuilds."""
    location = tmp_path / "deployed.gpkg"
    env = dict(os.environ, GEO_APP_STORE=str(location))
    first = subprocess.run(["make", "-s", "store"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert first.returncode == 0 and "created" in first.stdout, first.stdout + first.stderr
    imported = _flask(location, "import-layer", "toilets", str(_csv(tmp_path / "t.csv", "D", 5)))
    assert imported.wait(timeout=120) == 0, imported.stdout.read()
    kept = scenarios.save(open_store(location), "kept", _result("kept"))
    again = subprocess.run(["make", "-s", "store"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.returncode == 0 and "kept as it is" in again.stdout, again.stdout + again.stderr
    store = open_store(location)
    assert sorted(store.read("toilets")["id"]) == [f"D{i}" for i in range(5)]
    assert scenarios.get(store, kept)["name"] == "kept"
