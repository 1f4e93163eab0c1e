"""Case statistics (数字城管 indicators, GB/T 30428.4 style) per district, class, source, month and grid.

上报 reported, 受理 accepted, 立案 registered, 不予立案 rejected, 结案 closed, 办结 concluded (closed or rejected:
the report's 办结), 结案率 = 结案 / 立案, 办结率 = 办结 / 受理 (the report's rate), 按期结案率 = closed with the last
处置 and the 核查 within their limits / 结案, 返工率 = cases sent back at least once / cases handled, and the median
time of each step (受理, 立案, 派遣, 处置, 核查) in hours. A case counts in the month (Beijing time) it was reported.

The steps around the lifecycle keep these honest: a report waiting for its on-site 核实 (verifying) is reported
and open, not accepted; one dismissed at 核实 (never 受理'd) is not counted as 不予立案 (nor 办结), as it is not in
受理 either; 受理 is timed from the 核实 of a confirmed report (the wait before it is the supervisor's), 派遣 from
an approved 回退 (the latest time the case waited for dispatch), and a 处置 is on time within its limit plus the
hours a 延期 granted it.

How it stays fast at the city's 750,852 cases: a summary table `case_stats`, one row per (month, district, class,
source) with the counters and a histogram of each step's duration, is kept in the same transaction as each case
change (`record`), and rebuilt from the cases when it is older than the cases table (`fresh`). Statistics for a
half-year of all districts then read a few thousand summary rows instead of 750,852 cases. A grid's statistics
are computed from its own cases (read through the grid_code index). Medians come from the histograms (buckets
25 % wide, interpolated within the bucket), so they are within a few per cent of the exact median.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo_app.cases import heat
from geo_app.cases.tables import CASES
from geo_app.cases.workclock import BEIJING_S, CLOCK, working_seconds
from geo_app.project.case_classes import CaseCatalog
from geo_app.store import Reader, Transaction
from geo_app.store.frames import TYPES_ATTR

SUMMARY = "case_stats"
CLOCK_META = "case_stats.clock"  # the working clock the summary's on-time counts were made with
KEYS = ("month", "adcode", "service_code", "source")
COUNTERS = ("reported", "accepted", "registered", "rejected", "closed", "closed_on_time", "handled", "reworked", "demo")
STEPS = {  # step: (start column, end column)
    "accept": ("reported_at", "accepted_at"),
    "register": ("accepted_at", "registered_at"),
    "dispatch": ("registered_at", "dispatched_at"),
    "handle": ("dispatched_at", "handled_at"),
    "verify": ("handled_at", "closed_at"),
}
SUMMARY_COLUMNS = {
    **{k: "text" for k in KEYS},
    **{c: "integer" for c in COUNTERS},
    **{f"hist_{s}": "blob" for s in STEPS},
}
CASE_COLUMNS = [
    "service_code",
    "source",
    "status",
    "adcode",
    "grid_code",
    "reported_at",
    "accepted_at",
    "registered_at",
    "dispatched_at",
    "handled_at",
    "closed_at",
    "rework_count",
    "demo",
    "verified_at",
    "returned_at",
    "extended_h",
]
# The city-level platform (市级平台) is not a column of a case: the service counts the cases that came in through
# the city's hotlines (12345, 110 link) as the city platform's. An assumption, said wherever the figure is shown.
CITY_PLATFORM_SOURCES = ("12345", "110")
# The report's own figures (layers/report/suzhou-2018-h1.csv, section 一(五)三), by row id.
REPORT_FIGURES = {
    "urban": {"accepted": "R117", "concluded": "R118", "rate": "R119"},
    "city_platform": {"accepted": "R120", "concluded": "R121", "rate": "R122"},
}
REPORT_PERIOD = "2018H1"

_EPOCH = pd.Timestamp(0, tz="UTC")


# ---- times -------------------------------------------------------------------------------------------------------


def to_seconds(texts) -> np.ndarray:
    """ISO 8601 UTC text (YYYY-MM-DDTHH:MM:SSZ) -> seconds since 1970 (int64); missing -> -1. numpy parses it
    without pandas' per-call overhead, which a single case's summary row (every report) would pay."""
    values = np.asarray(texts, dtype=object)
    present = np.array([isinstance(v, str) and len(v) > 1 for v in values], dtype=bool)
    out = np.full(len(values), -1, dtype=np.int64)
    if present.any():
        out[present] = np.array([v[:-1] for v in values[present]], dtype="datetime64[s]").astype(np.int64)
    return out


def to_text(seconds: np.ndarray) -> np.ndarray:
    """Seconds since 1970 -> ISO 8601 UTC text (object array), None where negative."""
    seconds = np.asarray(seconds, dtype=np.int64)
    text = np.char.add(np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s"), "Z").astype(object)
    text[seconds < 0] = None
    return text


def beijing_month(seconds: np.ndarray) -> np.ndarray:
    return np.datetime_as_string((np.asarray(seconds) + BEIJING_S).astype("datetime64[s]"), unit="M").astype(object)


# ---- duration histograms ---------------------------------------------------------------------------------------
BUCKET_RATIO = 1.25  # bucket b >= 1 holds durations in [1.25**(b-1), 1.25**b) minutes; bucket 0 under a minute
BUCKETS = 64  # the last bucket holds everything from 1.25**62 minutes (over two years) on
_COUNT = np.dtype("<i4")  # a histogram is stored as BUCKETS little-endian int32 counts (a blob)


def bucket_of(seconds: np.ndarray) -> np.ndarray:
    minutes = np.maximum(np.asarray(seconds, dtype=float), 0) / 60
    with np.errstate(divide="ignore"):
        index = np.where(minutes < 1, 0, 1 + np.floor(np.log(np.maximum(minutes, 1)) / math.log(BUCKET_RATIO)))
    return np.minimum(index, BUCKETS - 1).astype(np.int64)


def histograms(blobs) -> np.ndarray:
    """Stored histograms (blobs, None for none) as a matrix of counts, one row each."""
    empty = bytes(BUCKETS * _COUNT.itemsize)
    joined = b"".join(bytes(b) if b is not None and len(b) else empty for b in blobs)
    return np.frombuffer(joined, dtype=_COUNT).reshape(-1, BUCKETS).astype(np.int64)


def _blobs(matrix: np.ndarray) -> list[bytes]:
    return [row.tobytes() for row in np.asarray(matrix, dtype=_COUNT)]


def median_hours(histogram: np.ndarray) -> float | None:
    """The median duration (hours) of a histogram (counts per bucket), interpolated geometrically in its bucket."""
    total = int(histogram.sum())
    if total <= 0:
        return None
    seen = np.cumsum(histogram)
    bucket = int(np.searchsorted(seen, total / 2))
    share = (total / 2 - (seen[bucket] - histogram[bucket])) / histogram[bucket]
    if bucket == 0:
        return float(share) / 60
    return float(BUCKET_RATIO ** (bucket - 1 + share)) / 60


# ---- the summary -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contributions:
    """What each case adds to the summary: its key, its counters (one column per COUNTERS) and the histogram
    bucket of each step it went through (one column per STEPS, -1 where it has not)."""

    keys: dict[str, np.ndarray]
    counts: np.ndarray
    buckets: np.ndarray


def contributions(cases: pd.DataFrame, catalog: CaseCatalog) -> Contributions:
    """The contributions of a frame of cases (CASE_COLUMNS): the one rule for the bulk summary and for `record`."""
    times = {
        c: to_seconds(cases[c].to_numpy())
        for c in (
            "reported_at",
            "accepted_at",
            "registered_at",
            "dispatched_at",
            "handled_at",
            "closed_at",
            "verified_at",
            "returned_at",
        )
    }
    # a step is timed from when the case last waited for it: 受理 from a 核实, 派遣 from an approved 回退
    starts = {
        "reported_at": np.maximum(times["reported_at"], times["verified_at"]),
        "registered_at": np.maximum(times["registered_at"], times["returned_at"]),
    }
    status = cases["status"].to_numpy()
    codes = cases["service_code"].to_numpy()
    limits = {
        c: (catalog[c].limits.handle_h, catalog[c].limits.close_h) if c in catalog else (np.inf, np.inf)
        for c in set(codes)
    }
    extended = pd.to_numeric(cases["extended_h"], errors="coerce").fillna(0).to_numpy(dtype=float)
    handle_limit = np.array([limits[c][0] for c in codes], dtype=float) + extended
    close_limit = np.array([limits[c][1] for c in codes], dtype=float)
    handled_in = working_seconds(times["handled_at"]) - working_seconds(times["dispatched_at"])
    verified_in = working_seconds(times["closed_at"]) - working_seconds(times["handled_at"])
    closed = status == "closed"
    rework = pd.to_numeric(cases["rework_count"], errors="coerce").fillna(0).to_numpy()
    demo = np.array([bool(v) if v is not None and v == v else False for v in cases["demo"].to_numpy()])
    counters = {
        "reported": np.ones(len(cases), bool),
        "accepted": times["accepted_at"] >= 0,
        "registered": times["registered_at"] >= 0,
        "rejected": (status == "rejected") & (times["accepted_at"] >= 0),  # not a report dismissed at 核实
        "closed": closed,
        "closed_on_time": closed & (handled_in <= handle_limit * 3600) & (verified_in <= close_limit * 3600),
        "handled": times["handled_at"] >= 0,
        "reworked": rework > 0,
        "demo": demo,
    }
    buckets = np.full((len(cases), len(STEPS)), -1, dtype=np.int64)
    for column, (start, end) in enumerate(STEPS.values()):
        begun = starts.get(start, times[start])
        both = (begun >= 0) & (times[end] >= 0)
        buckets[both, column] = bucket_of(times[end][both] - begun[both])
    adcodes = cases["adcode"].to_numpy(dtype=object).copy()
    adcodes[pd.isna(adcodes)] = ""
    return Contributions(
        keys={
            "month": beijing_month(times["reported_at"]),
            "adcode": adcodes,
            "service_code": codes,
            "source": cases["source"].to_numpy(dtype=object),
        },
        counts=np.column_stack([counters[c] for c in COUNTERS]).astype(np.int64).reshape(len(cases), len(COUNTERS)),
        buckets=buckets,
    )


def summarise(cases: pd.DataFrame, catalog: CaseCatalog) -> pd.DataFrame:
    """Summary rows (KEYS, COUNTERS, a histogram per step) of a frame of cases (CASE_COLUMNS)."""
    if cases.empty:
        out = pd.DataFrame(
            {name: pd.Series(dtype=np.int64 if kind == "integer" else object) for name, kind in SUMMARY_COLUMNS.items()}
        )
        out.attrs[TYPES_ATTR] = dict(SUMMARY_COLUMNS)  # the store keeps the histograms' type without rows
        return out
    part = contributions(cases, catalog)
    frame = pd.DataFrame({**part.keys, **dict(zip(COUNTERS, part.counts.T))})
    grouped = frame.groupby(list(KEYS), sort=True, dropna=False)
    out = grouped[list(COUNTERS)].sum().reset_index()
    group = grouped.ngroup().to_numpy()  # the row of `out` each case adds to
    for column, step in enumerate(STEPS):
        done = part.buckets[:, column] >= 0
        matrix = np.zeros((len(out), BUCKETS), np.int64)
        np.add.at(matrix, (group[done], part.buckets[done, column]), 1)
        out[f"hist_{step}"] = pd.Series(_blobs(matrix), dtype=object, index=out.index)
    return out[list(SUMMARY_COLUMNS)]


def create_summary(tx: Transaction) -> None:
    tx.create(SUMMARY, SUMMARY_COLUMNS, indexes=("month", "adcode"))


def _read_cases(reader: Reader, **where) -> pd.DataFrame:
    """CASE_COLUMNS of the cases (those a store migrated from an older schema lacks as yet: missing)."""
    present = set(reader.read(CASES, limit=0).columns)
    cases = pd.DataFrame(reader.read(CASES, columns=[c for c in CASE_COLUMNS if c in present], **where))
    return cases.reindex(columns=CASE_COLUMNS)


def rebuild(tx: Transaction, catalog: CaseCatalog) -> int:
    """The summary and the heat cells (heat.py) again from every case (when they are older than the cases);
    returns the cases counted."""
    cases = _read_cases(tx) if CASES in tx.tables() else pd.DataFrame(columns=CASE_COLUMNS)
    tx.replace(SUMMARY, summarise(pd.DataFrame(cases), catalog), indexes=("month", "adcode"))
    heat.rebuild(tx)
    tx.set_meta(CLOCK_META, CLOCK)
    return len(cases)


def record(tx: Transaction, catalog: CaseCatalog, before: dict | None, after: dict | None) -> None:
    """Keep the summary right in the transaction that changes a case: `before` and `after` are the case's rows
    (None for a new case). Call it from every write of the cases table; without it the summary is rebuilt.
    A new case is also counted in its heat cell (heat.record: its row carries its point under "geometry"; only a
    new case changes the cells, place and month never change)."""
    create_summary(tx)
    if before is None and after is not None:
        heat.record(tx, after)
    for case, sign in ((before, -1), (after, 1)):
        if not case:
            continue
        part = contributions(pd.DataFrame([case], columns=CASE_COLUMNS), catalog)
        key = {k: part.keys[k][0] for k in KEYS}
        counts = dict(zip(COUNTERS, (sign * part.counts[0]).tolist()))
        shapes = {}
        for column, step in enumerate(STEPS):
            shapes[f"hist_{step}"] = np.zeros(BUCKETS, np.int64)
            if part.buckets[0, column] >= 0:
                shapes[f"hist_{step}"][part.buckets[0, column]] = sign
        stored = tx.records(SUMMARY, where=key)
        if not stored:
            tx.insert_records(SUMMARY, [{**key, **counts, **{c: _blobs([h])[0] for c, h in shapes.items()}}])
            continue
        tx.update(
            SUMMARY,
            key,
            {
                **{c: int(stored[0][c]) + n for c, n in counts.items()},
                **{c: _blobs([histograms([stored[0][c]])[0] + h])[0] for c, h in shapes.items()},
            },
        )


def _stale(reader: Reader, clock: str | None) -> bool:
    """A write changed the cases without record() (the summary's version is then older), a summary is missing, or
    the summary was built with another working clock (`clock`, the stored one: an older calendar; 按期结案率 counts
    working hours). The heat cells change with the summary (record, rebuild), not on every case change."""
    tables = reader.tables()
    return (
        SUMMARY not in tables
        or heat.CELLS not in tables
        or reader.table_version(SUMMARY) < reader.table_version(CASES)
        or clock != CLOCK
    )


def fresh(store, catalog: CaseCatalog) -> None:
    """Rebuild the summary and the heat cells when they are stale (_stale)."""
    if CASES not in store.tables() or not _stale(store, store.meta(CLOCK_META)):
        return
    with store.transaction() as tx:
        if _stale(tx, tx.get_meta(CLOCK_META)):
            rebuild(tx, catalog)


# ---- figures -----------------------------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def figures(rows: pd.DataFrame) -> dict:
    """The indicators of a set of summary rows."""
    total = {c: int(rows[c].sum()) if not rows.empty else 0 for c in COUNTERS}
    concluded = total["closed"] + total["rejected"]
    return {
        **total,
        "concluded": concluded,
        "closing_rate_pct": _rate(total["closed"], total["registered"]),
        "conclusion_rate_pct": _rate(concluded, total["accepted"]),
        "on_time_rate_pct": _rate(total["closed_on_time"], total["closed"]),
        "rework_rate_pct": _rate(total["reworked"], total["handled"]),
        "median_hours": {step: _round(median_hours(histograms(rows[f"hist_{step}"]).sum(axis=0))) for step in STEPS},
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass(frozen=True)
class Selection:
    """What the statistics cover: months (YYYY-MM, Beijing time), and optional filters."""

    months: tuple[str, ...]
    adcodes: tuple[str, ...] | None = None
    service_code: str | None = None
    source: str | None = None
    sources: tuple[str, ...] | None = None  # a scope's sources (the city platform)
    grid_code: str | None = None


def summary_rows(store: Reader, selection: Selection, catalog: CaseCatalog) -> pd.DataFrame:
    """The summary rows of a selection: from the summary table, or from a grid's own cases."""
    if selection.grid_code is not None:
        cases = (
            _read_cases(store, where={"grid_code": selection.grid_code})
            if CASES in store.tables()
            else pd.DataFrame(columns=CASE_COLUMNS)
        )
        rows = summarise(pd.DataFrame(cases), catalog)
    elif SUMMARY in store.tables():
        rows = pd.DataFrame(store.read(SUMMARY, where={"month": list(selection.months)}))
    else:
        rows = summarise(pd.DataFrame(columns=CASE_COLUMNS), catalog)
    keep = rows["month"].isin(selection.months)
    if selection.adcodes is not None:
        keep &= rows["adcode"].isin(selection.adcodes)
    if selection.service_code is not None:
        keep &= rows["service_code"] == selection.service_code
    if selection.source is not None:
        keep &= rows["source"] == selection.source
    if selection.sources is not None:
        keep &= rows["source"].isin(selection.sources)
    return rows[keep]


GROUPINGS = {"district": "adcode", "class": "service_code", "source": "source", "month": "month"}


def grouped(rows: pd.DataFrame, by: str) -> list[dict]:
    """Figures per district, class, source or month."""
    column = GROUPINGS[by]
    return [{"key": key, **figures(part)} for key, part in rows.groupby(column, sort=True)]
