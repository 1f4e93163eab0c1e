"""Demo cases (示例数据), calibrated to the report: H1 2018 in the 市区 districts, deterministic, every case demo.

Calibration (layers/report/suzhou-2018-h1.csv, 一(五)三): the 市区 two-level platforms 受理 750,852 and 办结
739,232 (98.45 %), the city platform 97,818 and 96,293 (98.44 %). For `n` cases the counts are scaled exactly
(办结 = round(n x 739,232 / 750,852)); 办结 is a final status (结案 or 不予立案). The city platform's cases are
those from 12345 and 110 (see statistics.CITY_PLATFORM_SOURCES). Every case is 受理'd; the ones still open are
those whose work would end last (so the data is a snapshot taken as the last 办结 case closed): mostly the last
days of June, and a long tail of slow ones, some past their deadline.

Guesses, not from the report (said here because nothing else says them): the shares of the sources outside the
city platform (patrol 70 %, public 30 %) and inside it (12345 85 %, 110 15 %); the class mix (CLASS_WEIGHTS); the
months (February low for the Spring Festival); the hours of the day; the step durations (log-normal, in working
hours, medians a share of each class's limit so that about 4 % of handling runs over); 2 % 不予立案; 3 % 返工 once
and a tenth of those twice; districts weighted by DISTRICT_WEIGHTS times the area of each grid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_app.cases import lifecycle, statistics, workclock
from geo_app.cases.tables import CASE_COLUMNS, CASES, EVENTS, create_tables
from geo_app.project import Project
from geo_app.project.case_classes import CaseCatalog
from geo_app.store import Store

SEED = 2018
DEMO_CASES = 20_000  # the demo store; the city-scale set has the report's 受理 (750,852)
ID_PREFIX = "DEMO2018-"
PERIOD_START = np.datetime64("2017-12-31T16:00:00")  # 2018-01-01 00:00 Beijing time, in UTC
DAYS = 181  # to 2018-07-01 00:00 Beijing time
SOURCE_SHARES = {"district": {"patrol": 0.70, "public": 0.30}, "city": {"12345": 0.85, "110": 0.15}}
MONTH_WEIGHTS = [1.0, 0.8, 1.0, 1.05, 1.1, 1.05]
DISTRICT_WEIGHTS = {"320508": 3.0, "320505": 1.3, "320506": 1.2, "320507": 1.0, "320509": 0.8}
# Relative frequency of each class; a class of the catalog not named here weighs 1.
CLASS_WEIGHTS = {
    "E0101": 30,
    "E0501": 22,
    "E0502": 14,
    "E0201": 14,
    "E0202": 12,
    "E0503": 12,
    "E0504": 12,
    "E0102": 8,
    "E0103": 8,
    "E0105": 4,
    "E0302": 4,
    "E0106": 4,
    "C0301": 6,
    "C0201": 6,
    "C0101": 3,
    "C0102": 4,
    "C0206": 5,
    "C0207": 5,
    "C0303": 3,
    "E0402": 2,
    "E0601": 2,
}
# Log-normal durations in working hours: (median as a share of the class's limit, or hours; sigma).
ACCEPT_H = {"patrol": (0.05, 0.8), "public": (0.25, 0.8), "12345": (0.2, 0.8), "110": (0.1, 0.8)}
REGISTER_H, DISPATCH_SHARE, HANDLE_SHARE, VERIFY_SHARE = (0.1, 0.8), (0.2, 0.7), (0.35, 0.6), (0.3, 0.6)
REHANDLE_SHARE = (0.25, 0.6)
REJECT_SHARE, REWORK_SHARE, SECOND_REWORK_SHARE = 0.02, 0.03, 0.1
CHUNK = 100_000
# Fresh open cases beside the calibrated H1 2018 set, dated around the store's creation (the `as_of` day): per
# open status an even mix of on time, due soon (即将超期: in the last SOON_SHARE of the step's limit) and overdue.
FRESH_SHARE, FRESH_MIN = 0.015, 45  # 300 beside the demo store's 20,000; 11,263 beside the city's 750,852
SOON_SHARE = 0.2
AS_OF_HOUR = 9  # the as-of moment: 09:00 Beijing time on the as-of day (the start of its working day)
TIMELINESS = {"on_time": (0.05, 0.7), "soon": (0.82, 0.98), "overdue": (1.1, 3.0)}  # elapsed, in shares of the limit
# the open statuses of the fresh cases: the core path's (no 待核实 ones, no pending requests nor 督办 flags)
FRESH_STATUSES = ("reported", "accepted", "registered", "dispatched", "handled")


@dataclass
class Generated:
    """Every case as arrays (times as UTC seconds, -1 where a step did not happen)."""

    ids: np.ndarray
    service_code: np.ndarray
    source: np.ndarray
    grid: np.ndarray  # index into the grids
    lon: np.ndarray
    lat: np.ndarray
    times: dict[str, np.ndarray]  # rep acc rej reg dis h1 rw1 h2 rw2 h3 clo
    due: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


ORDER = [
    ("rep", "report", None, "reported"),
    ("acc", "accept", "reported", "accepted"),
    ("rej", "reject", "accepted", "rejected"),
    ("reg", "register", "accepted", "registered"),
    ("dis", "dispatch", "registered", "dispatched"),
    ("h1", "handle", "dispatched", "handled"),
    ("rw1", "rework", "handled", "dispatched"),
    ("h2", "handle", "dispatched", "handled"),
    ("rw2", "rework", "handled", "dispatched"),
    ("h3", "handle", "dispatched", "handled"),
    ("clo", "verify", "handled", "closed"),
]


def _lognormal(rng, median_h, sigma: float, n: int) -> np.ndarray:
    """Working seconds, log-normal around `median_h` hours (a number or an array)."""
    return np.maximum(np.round(np.asarray(median_h) * 3600 * np.exp(sigma * rng.standard_normal(n))), 60).astype(
        np.int64
    )


def _after(start: np.ndarray, working: np.ndarray) -> np.ndarray:
    """The instant `working` working seconds after `start` (UTC seconds)."""
    return workclock.from_working_seconds(workclock.working_seconds(start) + working)


def calibration(report: pd.DataFrame) -> dict[str, int]:
    """The report's 受理 and 办结 of the 市区 platforms and of the city platform (rows of statistics.REPORT_FIGURES)."""
    values = report.set_index("id")["value"]
    figures = statistics.REPORT_FIGURES
    return {
        "accepted": int(values[figures["urban"]["accepted"]]),
        "concluded": int(values[figures["urban"]["concluded"]]),
        "city_accepted": int(values[figures["city_platform"]["accepted"]]),
        "city_concluded": int(values[figures["city_platform"]["concluded"]]),
    }


def _sources(rng, n: int, target: dict) -> np.ndarray:
    city = round(n * target["city_accepted"] / target["accepted"])
    counts = {}
    for group, size in (("city", city), ("district", n - city)):
        shares = SOURCE_SHARES[group]
        first = round(size * next(iter(shares.values())))
        counts.update(zip(shares, (first, size - first)))
    return rng.permutation(np.repeat(np.array(list(counts), dtype=object), list(counts.values())))


def _reported(rng, n: int, source: np.ndarray) -> np.ndarray:
    """Report times (UTC seconds): months weighted, patrols by day (08:00-18:00), the others round the clock."""
    day_month = np.searchsorted(np.cumsum([31, 28, 31, 30, 31, 30]), np.arange(DAYS), side="right")
    weights = np.array(MONTH_WEIGHTS)[day_month]
    day = rng.choice(DAYS, size=n, p=weights / weights.sum())
    patrol = source == "patrol"
    hour_profile = np.array([1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 8, 10, 13, 14, 13, 10, 8, 6, 5, 4, 2, 1], float)
    hour = rng.choice(24, size=n, p=hour_profile / hour_profile.sum())
    hour = np.where(patrol, 8 + rng.integers(0, 10, n), hour)
    local = day * 86400 + hour * 3600 + rng.integers(0, 3600, n)
    return PERIOD_START.astype("datetime64[s]").astype(np.int64) + local


def _positions(rng, grids: gpd.GeoDataFrame, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A grid per case (area x district weight) and a point inside it."""
    weights = grids["area_km2"].to_numpy(float) * grids["adcode"].map(DISTRICT_WEIGHTS).fillna(1.0).to_numpy()
    grid = rng.choice(len(grids), size=n, p=weights / weights.sum())
    shapes = grids.geometry.to_numpy()
    bounds = shapely.bounds(shapes)
    lon, lat = np.empty(n), np.empty(n)
    todo = np.arange(n)
    while len(todo):
        box = bounds[grid[todo]]
        x = box[:, 0] + rng.random(len(todo)) * (box[:, 2] - box[:, 0])
        y = box[:, 1] + rng.random(len(todo)) * (box[:, 3] - box[:, 1])
        inside = shapely.contains_xy(shapes[grid[todo]], x, y)
        lon[todo[inside]], lat[todo[inside]] = np.round(x[inside], 6), np.round(y[inside], 6)
        todo = todo[~inside]
    return grid, lon, lat


def generate(grids: gpd.GeoDataFrame, catalog: CaseCatalog, target: dict, n: int, seed: int = SEED) -> Generated:
    """n cases over the grids (code, adcode, area_km2, geometry), calibrated to `target` (see calibration());
    the same seed and n give the same cases."""
    if n < 1:
        raise ValueError(f"the number of cases must be at least 1, not {n}")
    rng = np.random.default_rng(seed)
    codes = np.array(list(catalog.classes), dtype=object)
    weights = np.array([CLASS_WEIGHTS.get(c, 1) for c in codes], float)
    service = codes[rng.choice(len(codes), size=n, p=weights / weights.sum())]
    limits = {
        k: np.array([getattr(catalog[c].limits, k) for c in codes]) for k in ("register_h", "handle_h", "close_h")
    }
    index = pd.Index(codes).get_indexer(service)
    handle_h, close_h = limits["handle_h"][index], limits["close_h"][index]
    source = _sources(rng, n, target)
    grid, lon, lat = _positions(rng, grids, n)

    t = {"rep": _reported(rng, n, source)}
    accept_median = np.array([ACCEPT_H[s][0] for s in source])
    t["acc"] = _after(t["rep"], _lognormal(rng, accept_median, 0.8, n))
    rejected = rng.random(n) < REJECT_SHARE
    decided = _after(t["acc"], _lognormal(rng, *REGISTER_H, n))
    t["rej"] = np.where(rejected, decided, -1)
    t["reg"] = np.where(rejected, -1, decided)
    t["dis"] = _after(t["reg"], _lognormal(rng, catalog.dispatch_h * DISPATCH_SHARE[0], DISPATCH_SHARE[1], n))
    t["h1"] = _after(t["dis"], _lognormal(rng, handle_h * HANDLE_SHARE[0], HANDLE_SHARE[1], n))
    reworks = (rng.random(n) < REWORK_SHARE) * (1 + (rng.random(n) < SECOND_REWORK_SHARE)) * ~rejected
    last = t["h1"]
    for cycle in (1, 2):
        again = reworks >= cycle
        t[f"rw{cycle}"] = np.where(
            again, _after(last, _lognormal(rng, close_h * VERIFY_SHARE[0], VERIFY_SHARE[1], n)), -1
        )
        t[f"h{cycle + 1}"] = np.where(
            again, _after(t[f"rw{cycle}"], _lognormal(rng, handle_h * REHANDLE_SHARE[0], REHANDLE_SHARE[1], n)), -1
        )
        last = np.where(again, t[f"h{cycle + 1}"], last)
    t["clo"] = _after(last, _lognormal(rng, close_h * VERIFY_SHARE[0], VERIFY_SHARE[1], n))
    for name in ("dis", "h1", "clo"):
        t[name] = np.where(rejected, -1, t[name])
    _leave_open(t, source, n, target)
    due = _due(t, limits["register_h"][index], catalog.dispatch_h, handle_h, close_h)
    order = np.argsort(t["rep"], kind="stable")  # ids in the order of the reports
    ids = np.array([f"{ID_PREFIX}{i:07d}" for i in range(1, n + 1)], dtype=object)
    return Generated(
        ids=ids,
        service_code=service[order],
        source=source[order],
        grid=grid[order],
        lon=lon[order],
        lat=lat[order],
        times={k: v[order] for k, v in t.items()},
        due=due[order],
    )


def fresh_count(n: int) -> int:
    """How many fresh open cases go beside n calibrated ones."""
    return max(FRESH_MIN, round(n * FRESH_SHARE))


def today() -> date:
    """Today in Beijing time (the default as-of day)."""
    return datetime.now(workclock.BEIJING).date()


def as_of_seconds(as_of: date, now: datetime | None = None) -> int:
    """The as-of moment in UTC seconds: AS_OF_HOUR o'clock Beijing time on the as-of day, or `now` when it is later
    on that day (a store made at 14:00 shows the mix as of 14:00, not cases that ran out since the morning)."""
    midnight = np.datetime64(as_of.isoformat(), "s").astype(np.int64)
    morning = int(midnight + AS_OF_HOUR * 3600 - workclock.BEIJING_S)
    later = int(now.timestamp()) if now is not None else morning
    return later if morning < later < morning + (24 - AS_OF_HOUR) * 3600 else morning


def fresh_ids(as_of: date, n: int) -> np.ndarray:
    return np.array([f"DEMO{as_of:%Y%m%d}-{i:07d}" for i in range(1, n + 1)], dtype=object)


def generate_fresh(
    grids: gpd.GeoDataFrame,
    catalog: CaseCatalog,
    target: dict,
    n: int,
    as_of: date,
    seed: int = SEED,
    now: datetime | None = None,
) -> Generated:
    """n open cases waiting at the as-of moment (as_of_seconds: `now`, when it falls later on the as-of day), in every open status, each on time, due soon or
    overdue by the working clock (TIMELINESS: the working time elapsed since its step began, as a share of the
    step's limit); the same seed, n and as-of give the same cases. Sources, classes and grids as generate()."""
    if n < 1:
        raise ValueError(f"the number of fresh cases must be at least 1, not {n}")
    rng = np.random.default_rng([seed, as_of.toordinal()])
    codes = np.array(list(catalog.classes), dtype=object)
    weights = np.array([CLASS_WEIGHTS.get(c, 1) for c in codes], float)
    service = codes[rng.choice(len(codes), size=n, p=weights / weights.sum())]
    index = pd.Index(codes).get_indexer(service)
    hours = {
        k: np.array([getattr(catalog[c].limits, k) for c in codes])[index]
        for k in ("register_h", "handle_h", "close_h")
    }
    source = _sources(rng, n, target)
    grid, lon, lat = _positions(rng, grids, n)
    # an even mix of (status, timeliness), shuffled
    combos = [(s, k) for s in FRESH_STATUSES for k in TIMELINESS]
    picked = rng.permutation(np.arange(n) % len(combos))
    status = np.array([combos[i][0] for i in picked], dtype=object)
    timeliness = np.array([combos[i][1] for i in picked], dtype=object)
    limit_h = np.select(
        [np.isin(status, ["reported", "accepted"]), status == "registered", status == "dispatched"],
        [hours["register_h"], np.full(n, catalog.dispatch_h), hours["handle_h"]],
        hours["close_h"],
    )
    low = np.array([TIMELINESS[k][0] for k in timeliness])
    high = np.array([TIMELINESS[k][1] for k in timeliness])
    elapsed = np.round(limit_h * 3600 * (low + rng.random(n) * (high - low))).astype(np.int64)
    moment = workclock.working_seconds(as_of_seconds(as_of, now))
    waiting_since = moment - elapsed  # working seconds: the step each case waits on began then
    # the steps before it, backwards, with the durations generate() uses
    accept = _lognormal(rng, np.array([ACCEPT_H[s][0] for s in source]), 0.8, n)
    register = _lognormal(rng, *REGISTER_H, n)
    dispatch = _lognormal(rng, catalog.dispatch_h * DISPATCH_SHARE[0], DISPATCH_SHARE[1], n)
    handle = _lognormal(rng, hours["handle_h"] * HANDLE_SHARE[0], HANDLE_SHARE[1], n)
    rank = pd.Index(["reported", "accepted", "registered", "dispatched", "handled"]).get_indexer(status)
    w = {"h1": np.where(rank == 4, waiting_since, -1)}
    w["dis"] = np.where(rank == 3, waiting_since, np.where(rank > 3, w["h1"] - handle, -1))
    w["reg"] = np.where(rank == 2, waiting_since, np.where(rank > 2, w["dis"] - dispatch, -1))
    w["acc"] = np.where(rank >= 2, w["reg"] - register, -1)
    w["rep"] = np.where(rank >= 2, w["acc"] - accept, waiting_since)  # reported, accepted: the limit runs from 上报
    w["acc"] = np.where(rank == 1, w["rep"] + np.minimum(accept, elapsed // 2), w["acc"])
    t = {name: np.full(n, -1, dtype=np.int64) for name, *_ in ORDER}
    for name, values in w.items():
        t[name] = np.where(values >= 0, workclock.from_working_seconds(np.maximum(values, 0)), -1)
    due = _due(t, hours["register_h"], catalog.dispatch_h, hours["handle_h"], hours["close_h"])
    order = np.argsort(t["rep"], kind="stable")
    return Generated(
        ids=fresh_ids(as_of, n),
        service_code=service[order],
        source=source[order],
        grid=grid[order],
        lon=lon[order],
        lat=lat[order],
        times={k: v[order] for k, v in t.items()},
        due=due[order],
    )


def combined(first: Generated, second: Generated) -> Generated:
    """Both sets, one after the other."""
    return Generated(
        **{
            name: np.concatenate([getattr(first, name), getattr(second, name)])
            for name in ("ids", "service_code", "source", "grid", "lon", "lat", "due")
        },
        times={k: np.concatenate([first.times[k], second.times[k]]) for k in first.times},
    )


def _leave_open(t: dict, source: np.ndarray, n: int, target: dict) -> None:
    """Per platform, the cases whose work would end last stay open: every step after the snapshot (the moment the
    last 办结 case of the platform ended), or after the case's 受理 if that came later, is taken away."""
    city = np.isin(source, statistics.CITY_PLATFORM_SOURCES)
    finish = np.where(t["rej"] >= 0, t["rej"], t["clo"])
    city_concluded = round(city.sum() * target["city_concluded"] / target["city_accepted"])
    district_concluded = round(n * target["concluded"] / target["accepted"]) - city_concluded
    for members, concluded in ((city, city_concluded), (~city, district_concluded)):
        where = np.flatnonzero(members)
        ranked = where[np.argsort(finish[where], kind="stable")]
        still_open = ranked[concluded:]
        if not len(still_open):
            continue
        snapshot = finish[ranked[concluded - 1]] if concluded else t["rep"][where].min()
        cut = np.maximum(snapshot, t["acc"][still_open])  # every case is 受理'd (the report counts them all)
        for name in ("rej", "reg", "dis", "h1", "rw1", "h2", "rw2", "h3", "clo"):
            column = t[name]
            column[still_open[column[still_open] > cut]] = -1
        for name in ("rej", "clo"):  # open means not final, even when it ended at the very snapshot
            t[name][still_open] = -1


def _status(t: dict) -> np.ndarray:
    """The status after the last step each case took."""
    status = np.full(len(t["rep"]), "reported", dtype=object)
    for name, _, _, target in ORDER[1:]:
        status = np.where(t[name] >= 0, target, status)
    return status


def _handled(t: dict) -> np.ndarray:
    """The time of the last 处置, none after a 返工 that is not yet handled again (a rework clears it)."""
    last_handle = np.maximum.reduce([t["h1"], t["h2"], t["h3"]])
    return np.where(last_handle >= np.maximum.reduce([t["dis"], t["rw1"], t["rw2"]]), last_handle, -1)


def _due(t: dict, register_h, dispatch_h: float, handle_h, close_h) -> np.ndarray:
    """The deadline of the step each open case waits for (as lifecycle.due sets it); none for final cases."""
    status = _status(t)
    last_dispatch = np.maximum.reduce([t["dis"], t["rw1"], t["rw2"]])
    last_handle = np.maximum.reduce([t["h1"], t["h2"], t["h3"]])
    due = np.full(len(status), -1, dtype=np.int64)
    waiting = {
        "reported": (t["rep"], register_h),
        "accepted": (t["rep"], register_h),
        "registered": (t["reg"], np.full(len(status), dispatch_h)),
        "dispatched": (last_dispatch, handle_h),
        "handled": (last_handle, close_h),
    }
    for name, (start, hours) in waiting.items():
        rows = status == name
        due[rows] = _after(start[rows], np.round(np.asarray(hours)[rows] * 3600).astype(np.int64))
    return due


# ---- frames ------------------------------------------------------------------------------------------------------


def case_frame(cases: Generated, grids: gpd.GeoDataFrame, catalog: CaseCatalog, rows: slice) -> gpd.GeoDataFrame:
    """The cases table's rows for a slice of the generated cases."""
    t = {k: v[rows] for k, v in cases.times.items()}
    service, source = cases.service_code[rows], cases.source[rows]
    grid = grids.iloc[cases.grid[rows]]
    status = _status(t)
    names = {code: catalog[code].name_zh for code in catalog.classes}
    events = sum((t[name] >= 0).astype(int) for name, *_ in ORDER)
    frame = pd.DataFrame(
        {
            "id": cases.ids[rows],
            "service_code": service,
            "kind": [catalog[c].kind for c in service],
            "source": source,
            "status": status,
            "description": [f"{names[c]}(示例)" for c in service],
            "address": (grid["street"].fillna("") + grid["community"].fillna("")).to_numpy(),
            "adcode": grid["adcode"].to_numpy(),
            "grid_code": grid["code"].to_numpy(),
            "department": [catalog[c].department for c in service],
            "reporter": np.where(
                source == "patrol",
                ("demo-supervisor-" + grid["code"].str[:9]).to_numpy(),
                np.where(source == "public", None, source),
            ),
            "reported_at": statistics.to_text(t["rep"]),
            "accepted_at": statistics.to_text(t["acc"]),
            "registered_at": statistics.to_text(t["reg"]),
            "dispatched_at": statistics.to_text(np.maximum.reduce([t["dis"], t["rw1"], t["rw2"]])),
            "handled_at": statistics.to_text(_handled(t)),
            "closed_at": statistics.to_text(t["clo"]),
            "due_at": statistics.to_text(cases.due[rows]),
            "rework_count": ((t["rw1"] >= 0).astype(int) + (t["rw2"] >= 0)).astype(np.int64),
            "version": events.astype(np.int64),
            "token": None,
            "demo": True,
        },
        columns=list(CASE_COLUMNS),
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(cases.lon[rows], cases.lat[rows]), crs=4326)


ROLES = {
    "report": None,
    "accept": "dispatcher",
    "reject": "dispatcher",
    "register": "dispatcher",
    "dispatch": "dispatcher",
    "handle": "handler",
    "rework": "supervisor",
    "verify": "supervisor",
}
REPORT_ROLES = {"patrol": "supervisor", "public": "public", "12345": "partner", "110": "partner"}


def _demo_reasons(action: str, where: np.ndarray):
    """The reason codes of a step that needs one (lifecycle.REASONS, never `other`, which needs a note), taken in
    turn; None for the other steps."""
    codes = [c for c in lifecycle.REASONS.get(action, ()) if c != lifecycle.OTHER]
    return np.array(codes, dtype=object)[where % len(codes)] if codes else None


def event_frame(cases: Generated, cases_rows: pd.DataFrame, rows: slice) -> pd.DataFrame:
    """The history (case_events) of a slice of the cases, consistent with their rows."""
    t = {k: v[rows] for k, v in cases.times.items()}
    parts = []
    seq = np.zeros(len(cases_rows), np.int64)
    adcode, department = cases_rows["adcode"].to_numpy(), cases_rows["department"].to_numpy()
    reporter, source = cases_rows["reporter"].to_numpy(), cases_rows["source"].to_numpy()
    for name, action, source_status, target in ORDER:
        happened = t[name] >= 0
        seq = seq + happened
        where = np.flatnonzero(happened)
        if action == "report":
            actor, role = reporter[where], np.array([REPORT_ROLES[s] for s in source[where]], dtype=object)
        elif ROLES[action] == "handler":
            actor, role = ("demo-handler-" + pd.Series(department[where], dtype=object)).to_numpy(), "handler"
        elif ROLES[action] == "supervisor":
            actor, role = reporter[where], "supervisor"
            actor = np.where(
                source[where] == "patrol",
                actor,
                ("demo-supervisor-" + pd.Series(adcode[where], dtype=object)).to_numpy(),
            )
        else:
            actor, role = ("demo-dispatcher-" + pd.Series(adcode[where], dtype=object)).to_numpy(), "dispatcher"
        parts.append(
            pd.DataFrame(
                {
                    "case_id": cases_rows["id"].to_numpy()[where],
                    "seq": seq[where],
                    "action": action,
                    "from_status": source_status,
                    "to_status": target,
                    "actor": actor,
                    "role": role,
                    "at": statistics.to_text(t[name][where]),
                    "note": "示例数据 demo",
                    "reason": _demo_reasons(action, where),
                }
            )
        )
    events = pd.concat(parts, ignore_index=True).sort_values(["case_id", "seq"], kind="stable")
    return events.reset_index(drop=True)


# ---- loading -----------------------------------------------------------------------------------------------------


def load(
    store: Store, project: Project, n: int, *, seed: int = SEED, as_of: date | None = None, progress=lambda text: None
) -> dict:
    """Replace the store's demo cases by n generated ones (and their history), with the statistics summary, in
    one transaction; with `as_of`, fresh_count(n) fresh open cases waiting on that day go beside them. Returns
    counts (`cases` the calibrated ones, `fresh` the fresh ones) and seconds."""
    started = time.perf_counter()
    catalog = project.cases
    grids = gpd.GeoDataFrame(store.read("grids", columns=["code", "adcode", "area_km2", "street", "community"]))
    grids = grids.reset_index(drop=True)
    target = calibration(project.report)
    cases = generate(grids, catalog, target, n, seed)
    fresh = 0
    if as_of is not None:
        fresh = fresh_count(n)
        cases = combined(cases, generate_fresh(grids, catalog, target, fresh, as_of, seed, datetime.now(UTC)))
    generated = time.perf_counter() - started
    progress(
        f"generated {n:,} cases"
        + (f" and {fresh:,} open ones as of {as_of}" if fresh else "")
        + f" in {generated:.1f} s"
    )
    n = len(cases)
    events_written = 0
    with store.transaction() as tx:
        create_tables(tx)
        statistics.create_summary(tx)
        tx.set_meta(lifecycle.DUE_CLOCK_META, workclock.CLOCK)  # the deadlines below are counted on it
        old = tx.read(CASES, where={"demo": True}, columns=["id"])
        if len(old):
            tx.delete(CASES, {"demo": True})
            for start in range(0, len(old), 10_000):
                tx.delete(EVENTS, {"case_id": old["id"].iloc[start : start + 10_000].tolist()})
        for start in range(0, n, CHUNK):
            rows = slice(start, min(n, start + CHUNK))
            frame = case_frame(cases, grids, catalog, rows)
            events = event_frame(cases, frame, rows)
            tx.insert(CASES, frame)
            tx.insert(EVENTS, events)
            events_written += len(events)
            progress(f"inserted {rows.stop:,} cases")
        statistics.rebuild(tx, catalog)
    return {
        "cases": n - fresh,
        "fresh": fresh,
        "events": events_written,
        "generate_s": round(generated, 1),
        "total_s": round(time.perf_counter() - started, 1),
    }
