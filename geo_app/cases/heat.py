"""Case hot spots as a heat layer: cases reported per 1 km × 1 km cell of EPSG:4549, per month and class.

A summary table `case_cells` holds one row per (month, cell, class) with the cases reported there, and rows with
the class ALL ('*') for every class together, so that a read without a class does not add up forty classes. A
cell is named by its integer kilometre indices (cx, cy) = floor(easting / 1 km), floor(northing / 1 km). Only a
new case changes it (a case's place and reported month never change): `record` adds it in the transaction that
inserts the case, and `rebuild` counts every case again (with the statistics summary, when that is rebuilt;
see statistics.fresh). /api/cases/heat then reads at most (cells in the bbox) × (months) rows of one class: a
bbox is at most MAX_BBOX_KM2, a period at most a year; without a bbox, the cells that hold cases (in the city).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd
import pyproj

from geo_app import crs
from geo_app.cases.tables import CASES
from geo_app.errors import BadParameter
from geo_app.store import Reader, Transaction

CELLS = "case_cells"
CELL_M = 1000
ALL = "*"
COLUMNS = {
    "month": "text",
    "service_code": "text",
    "cx": "integer",
    "cy": "integer",
    "reported": "integer",
    "demo": "integer",
}
INDEXES = ("month", "service_code", "cx")
KEYS = ["month", "service_code", "cx", "cy"]
MAX_BBOX_KM2 = 25_000  # about three times the city's 8,700 km²: at most ~25,000 cells a month
_BEIJING = pd.Timedelta(hours=8)


@lru_cache(maxsize=2)
def _metric(inverse: bool) -> pyproj.Transformer:
    """WGS-84 lon/lat to EPSG:4549 metres (or back), made once: a report pays microseconds for its cell."""
    ends = (f"EPSG:{crs.METRIC_EPSG}", "EPSG:4326") if inverse else ("EPSG:4326", f"EPSG:{crs.METRIC_EPSG}")
    return pyproj.Transformer.from_crs(*ends, always_xy=True)


def to_metric(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    x, y = _metric(False).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def cell_of(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """The (cx, cy) kilometre indices of WGS-84 points in EPSG:4549."""
    x, y = to_metric(lon, lat)
    return np.floor(x / CELL_M).astype(np.int64), np.floor(y / CELL_M).astype(np.int64)


def centres(cx, cy, output_crs: str) -> tuple[np.ndarray, np.ndarray]:
    """lon, lat of the cells' centres in `output_crs` (WGS84, GCJ02 or BD09)."""
    x, y = (np.asarray(cx, float) + 0.5) * CELL_M, (np.asarray(cy, float) + 0.5) * CELL_M
    lon, lat = _metric(True).transform(x, y)
    return crs.convert(lon, lat, crs.WGS84, output_crs)


def beijing_month(reported_at: str) -> str:
    """The month (YYYY-MM, Beijing time) of a stored UTC time: the month a case counts in."""
    return (datetime.strptime(reported_at, "%Y-%m-%dT%H:%M:%SZ") + timedelta(hours=8)).strftime("%Y-%m")


def summarise(cases: pd.DataFrame) -> pd.DataFrame:
    """Rows of the summary (COLUMNS) from cases with service_code, reported_at, demo and lon, lat."""
    located = cases[cases["lon"].notna() & cases["lat"].notna()]
    cx, cy = cell_of(located["lon"], located["lat"])
    reported = pd.to_datetime(located["reported_at"], format="%Y-%m-%dT%H:%M:%SZ", utc=True)
    frame = pd.DataFrame(
        {
            "month": (reported + _BEIJING).dt.strftime("%Y-%m").to_numpy(dtype=object),
            "service_code": located["service_code"].to_numpy(dtype=object),
            "cx": cx,
            "cy": cy,
            "reported": 1,
            "demo": located["demo"].fillna(False).astype(bool).astype(np.int64),
        }
    )
    every = frame.assign(service_code=ALL)
    out = pd.concat([frame, every]).groupby(KEYS, sort=True)[["reported", "demo"]].sum().reset_index()
    return out.astype({"cx": np.int64, "cy": np.int64, "reported": np.int64, "demo": np.int64})[list(COLUMNS)]


def _located(frame) -> pd.DataFrame:
    """A frame of cases with a geometry as plain columns with lon and lat (None where it has no place)."""
    geometry = frame.geometry.values
    present = ~geometry.isna()
    lon, lat = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    lon[present], lat[present] = geometry[present].x, geometry[present].y
    return pd.DataFrame(frame.drop(columns=frame.geometry.name)).assign(lon=lon, lat=lat)


def rebuild(tx: Transaction) -> None:
    """The summary again from every case."""
    columns = ["service_code", "reported_at", "demo"]
    if CASES in tx.tables():
        cases = _located(tx.read(CASES, columns=columns))
    else:
        cases = pd.DataFrame({**{c: pd.Series(dtype=object) for c in columns}, "lon": [], "lat": []})
    tx.replace(CELLS, summarise(cases), indexes=INDEXES)


def record(tx: Transaction, case: dict) -> None:
    """Count a new case (a row of the cases table with its point under "geometry") in its cell, for its class and
    ALL: one read of both rows, an update of each one there is (the usual case: no DataFrame to build) and one
    insert of those there are not. Without the summary table (a store from before it) nothing is done:
    statistics.fresh rebuilds it."""
    point = case.get("geometry")
    if CELLS not in tx.tables() or point is None or point.is_empty:
        return
    cx, cy = cell_of([point.x], [point.y])
    cell = {"month": beijing_month(case["reported_at"]), "cx": int(cx[0]), "cy": int(cy[0])}
    codes = [case["service_code"], ALL]
    stored = {
        r["service_code"]: r
        for r in tx.records(CELLS, where={**cell, "service_code": codes}, columns=["service_code", "reported", "demo"])
    }
    demo = int(bool(case["demo"]))
    for code, row in stored.items():
        tx.update(CELLS, {**cell, "service_code": code}, {"reported": row["reported"] + 1, "demo": row["demo"] + demo})
    missing = [{**cell, "service_code": code, "reported": 1, "demo": demo} for code in codes if code not in stored]
    if missing:
        tx.insert(CELLS, pd.DataFrame(missing, columns=list(COLUMNS)))


def _km2(bbox: tuple[float, float, float, float]) -> float:
    """The area of a lon/lat bbox in km² (a sphere: enough for a bound)."""
    minx, miny, maxx, maxy = bbox
    return (maxx - minx) * 111.32 * math.cos(math.radians((miny + maxy) / 2)) * (maxy - miny) * 110.57


def check_bbox(bbox: tuple[float, float, float, float]) -> None:
    """400 for a bbox larger than MAX_BBOX_KM2 (before any work)."""
    if _km2(bbox) > MAX_BBOX_KM2:
        raise BadParameter(
            "bbox",
            f"covers about {_km2(bbox):,.0f} km²: a heat map answers at most "
            f"{MAX_BBOX_KM2:,} km² (the city is about 8,700 km²)",
        )


def _cell_range(bbox: tuple[float, float, float, float], input_crs: str) -> tuple[int, int, int, int] | None:
    """The cells (cx0, cy0, cx1, cy1, inclusive) under a lon/lat bbox in `input_crs`, one cell wider each way;
    None far from the projection's zone (where it has no finite coordinates): the bbox then clips the answer."""
    minx, miny, maxx, maxy = bbox
    lon, lat = crs.convert(np.array([minx, maxx, minx, maxx]), np.array([miny, miny, maxy, maxy]), input_crs)
    x, y = to_metric(lon, lat)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return None
    cx, cy = np.floor(x / CELL_M), np.floor(y / CELL_M)
    return int(cx.min()) - 1, int(cy.min()) - 1, int(cx.max()) + 1, int(cy.max()) + 1


def heat(
    store: Reader,
    months: tuple[str, ...],
    service_code: str | None,
    bbox: tuple[float, float, float, float] | None,
    output_crs: str,
) -> dict:
    """Cases per cell over the months (one class or all), as [lat, lon, count] of the cells' centres in
    `output_crs`; with a bbox (in `output_crs`, checked by check_bbox) the cells whose centre lies in it."""
    cells = _cell_range(bbox, output_crs) if bbox else None
    between = {"cx": (cells[0], cells[2] + 1)} if cells else None
    rows = pd.DataFrame(
        store.read(
            CELLS,
            where={"month": list(months), "service_code": service_code or ALL},
            between=between,
            columns=["cx", "cy", "reported", "demo"],
        )
    )
    if cells:
        rows = rows[(rows["cy"] >= cells[1]) & (rows["cy"] <= cells[3])]
    summed = rows.groupby(["cx", "cy"], sort=True)[["reported", "demo"]].sum().reset_index()
    lon, lat = centres(summed["cx"], summed["cy"], output_crs)
    keep = summed["reported"].to_numpy() > 0
    if bbox:
        keep &= (lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])
    counts = summed["reported"].to_numpy()[keep].astype(int).tolist()
    return {
        "cells": [[round(float(a), 6), round(float(o), 6), n] for a, o, n in zip(lat[keep], lon[keep], counts)],
        "max": max(counts, default=0),
        "total": int(sum(counts)),
        "demo": bool(summed["demo"].to_numpy()[keep].sum() > 0),
    }
