"""Case statistics (数字城管 indicators, GB/T 30428.4 style) per district, class, source, month and grid.

上报 reported, 受理 accepted, 立案 registered, 不予立案 rejected, 结案 closed, 办结 concluded (closed or rejected:
the report's 办结), 结案率 = 结案 / 立案, 办结率 = 办结 / 受理 (the report's rate), 按期结案率 = closed with the last
处置 within the class's 处置 limit (working hours from the last 派遣 or 返工) and the 核查 within its 结案 limit (working
hours from the last 处置) / 结案, 返工率 = cases sent back at least once / cases handled at least once (a case sent
back and not yet handled again is in both), and the exact median time of each step (受理, 立案, 派遣 from 立案 to the
first 派遣, 处置, 核查) in clock hours (elapsed time, not working hours). A case counts in the month (Beijing time)
it was reported. FIGURES says each figure's numerator, denominator and clock; the texts are in the catalogue
(case.definition.<figure>).

The steps around the lifecycle keep these honest: a report waiting for its on-site 核实 (verifying) is reported
and open, not accepted; one dismissed at 核实 (never 受理'd) is not counted as 不予立案 (nor 办结), as it is not in
受理 either; 受理 is timed from the 核实 of a confirmed report (the wait before it is the supervisor's), 派遣 from
an approved 回退 (the latest time the case waited for dispatch), and a 处置 is on time within its limit plus the
hours a 延期 granted it.

How it stays fast at the city's 750,852 cases: a summary table `case_stats`, one row per (month, district, class,
source) with the counters and the durations of each step, is kept in the same transaction as each case
change (`record`), and rebuilt from the cases when it is older than the cases table (`fresh`). Statistics for a
half-year of all districts then read a few thousand summary rows instead of 750,852 cases. A grid's statistics
are computed from its own cases (read through the grid_code index). Each summary row keeps every duration of each
step (sorted int32 seconds, a blob: about 15 MB for a half-year of 750,852 cases), so every median is exact: numpy's
median of the durations of the cases counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo_app import texts
from geo_app.cases import heat
from geo_app.cases.tables import CASES, EVENTS
from geo_app.cases.workclock import BEIJING_S, CLOCK, WORKING_CALENDAR, working_seconds
from geo_app.project.case_classes import CaseCatalog
from geo_app.store import Reader, Transaction
from geo_app.store.frames import TYPES_ATTR

SUMMARY = "case_stats"
CLOCK_META = "case_stats.clock"  # the working clock the summary's on-time counts were made with
KEYS = ("month", "adcode", "service_code", "source")
COUNTERS = ("reported", "accepted", "registered", "rejected", "closed", "closed_on_time", "handled", "reworked", "demo")
# the time of a case's first 派遣: its dispatch event's (a 返工 or an admin's reopening stamps dispatched_at again);
# not a column of the cases table, added to the frame by with_first_dispatch
FIRST_DISPATCH = "first_dispatched_at"
STEPS = {  # step: (start column, end column); durations are clock time (elapsed), not working hours
    "accept": ("reported_at", "accepted_at"),
    "register": ("accepted_at", "registered_at"),
    "dispatch": ("registered_at", FIRST_DISPATCH),  # 立案 to the first 派遣
    "handle": ("dispatched_at", "handled_at"),  # the last 派遣 (or 返工) to the last 处置: what its deadline counts
    "verify": ("handled_at", "closed_at"),
}
SUMMARY_COLUMNS = {
    **{k: "text" for k in KEYS},
    **{c: "integer" for c in COUNTERS},
    **{f"dur_{s}": "blob" for s in STEPS},
}
CASE_COLUMNS = [
    "id",
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


@dataclass(frozen=True)
class Figure:
    """What a figure counts (its words: case.figure.<code> and case.definition.<code> in the catalogue): a rate's
    numerator and denominator (figures), the clock it counts time with (`clock`: elapsed clock time; `working`: the
    working clock of workclock.py) and the class limits it compares with."""

    unit: str
    numerator: str | None = None
    denominator: str | None = None
    time: str | None = None
    limits: tuple[str, ...] = ()


# every figure of `figures` (and reported_per_km2, which the API adds for districts), in the order the exports give
FIGURES = {
    "reported": Figure("cases"),
    "accepted": Figure("cases"),
    "registered": Figure("cases"),
    "rejected": Figure("cases"),
    "closed": Figure("cases"),
    "concluded": Figure("cases"),
    "handled": Figure("cases"),
    "reworked": Figure("cases"),
    "closed_on_time": Figure("cases", time="working", limits=("handle_h", "close_h")),
    "demo": Figure("cases"),
    "closing_rate_pct": Figure("%", "closed", "registered"),
    "conclusion_rate_pct": Figure("%", "concluded", "accepted"),
    "on_time_rate_pct": Figure("%", "closed_on_time", "closed", time="working", limits=("handle_h", "close_h")),
    "rework_rate_pct": Figure("%", "reworked", "handled"),
    "median_hours": Figure("h", time="clock"),
    "reported_per_km2": Figure("cases/km²", "reported", "area_km2"),
}


def definitions() -> dict:
    """What each figure counts, in both languages: the statistics' `definitions` (API, exports, pages)."""
    out = {}
    for code, figure in FIGURES.items():
        out[code] = {
            **texts.both(f"case.figure.{code}"),
            **texts.both(f"case.definition.{code}", "definition"),
            "unit": figure.unit,
            "numerator": figure.numerator,
            "denominator": figure.denominator,
            "time": figure.time,
            **(texts.both(f"case.time.{figure.time}", "time") if figure.time else {}),
            "limits": list(figure.limits),
        }
    out["median_hours"]["steps"] = {
        step: {**texts.both(f"case.step.{step}"), **texts.both(f"case.definition.step.{step}", "definition")}
        for step in STEPS
    }
    out["period"] = {**texts.both("case.figure.period"), **texts.both("case.definition.period", "definition")}
    out["working_calendar"] = dict(WORKING_CALENDAR)
    return out


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


# ---- durations ----------------------------------------------------------------------------------------------------
_DURATION = np.dtype("<i4")  # a step's durations in a summary row: sorted little-endian int32 seconds (a blob)
MAX_SECONDS = np.iinfo(_DURATION).max  # 68 years: longer durations count as this long


def durations(blob) -> np.ndarray:
    """A stored blob of durations (None or empty for none) as int64 seconds, sorted."""
    if blob is None or isinstance(blob, float) or not len(blob):
        return np.zeros(0, np.int64)
    return np.frombuffer(bytes(blob), dtype=_DURATION).astype(np.int64)


def _blob(seconds: np.ndarray) -> bytes:
    return np.sort(np.asarray(seconds, dtype=np.int64)).astype(_DURATION).tobytes()


def median_hours(blobs) -> float | None:
    """The exact median duration (hours) of the durations in the blobs: numpy's median (the mean of the middle two
    of an even count)."""
    parts = [durations(b) for b in blobs]
    values = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    return float(np.median(values)) / 3600 if len(values) else None


def first_dispatches(reader: Reader, case_ids=None) -> pd.Series:
    """Case id -> the time of its dispatch event (the first 派遣; a case has one), for every case or the given ones."""
    if EVENTS not in reader.tables():
        return pd.Series(dtype=object)
    if case_ids is None:
        events = pd.DataFrame(reader.read(EVENTS, where={"action": "dispatch"}, columns=["case_id", "at"]))
    else:
        ids = list(dict.fromkeys(case_ids))
        parts = [
            pd.DataFrame(
                reader.read(
                    EVENTS, where={"case_id": ids[i : i + 10_000], "action": "dispatch"}, columns=["case_id", "at"]
                )
            )
            for i in range(0, len(ids), 10_000)
        ]
        events = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["case_id", "at"])
    return events.groupby("case_id")["at"].min() if len(events) else pd.Series(dtype=object)


def with_first_dispatch(cases: pd.DataFrame, firsts: pd.Series) -> pd.DataFrame:
    """The cases with FIRST_DISPATCH: their dispatch event's time, else (no history) their dispatched_at."""
    found = cases["id"].map(firsts) if len(firsts) and "id" in cases else pd.Series(None, index=cases.index)
    return cases.assign(**{FIRST_DISPATCH: found.where(found.notna(), cases["dispatched_at"])})


# ---- the summary -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contributions:
    """What each case adds to the summary: its key, its counters (one column per COUNTERS) and the duration in
    seconds of each step it went through (one column per STEPS, -1 where it has not)."""

    keys: dict[str, np.ndarray]
    counts: np.ndarray
    seconds: np.ndarray


def contributions(cases: pd.DataFrame, catalog: CaseCatalog) -> Contributions:
    """The contributions of a frame of cases (CASE_COLUMNS, and FIRST_DISPATCH where known: with_first_dispatch):
    the one rule for the bulk summary and for `record`."""
    if FIRST_DISPATCH not in cases:
        cases = cases.assign(**{FIRST_DISPATCH: cases["dispatched_at"]})
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
        )
    }
    # 受理 is timed from the 核实 of a report that needed one (it waited for the dispatcher from then); 派遣 from 立案
    # to the first 派遣, also for a case returned (回退) and dispatched again
    starts = {"reported_at": np.maximum(times["reported_at"], times["verified_at"])}
    times[FIRST_DISPATCH] = to_seconds(cases[FIRST_DISPATCH].to_numpy())
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
        # handled at least once: a 返工 clears handled_at until the case is handled again, and it was handled
        "handled": (times["handled_at"] >= 0) | (rework > 0),
        "reworked": rework > 0,
        "demo": demo,
    }
    seconds = np.full((len(cases), len(STEPS)), -1, dtype=np.int64)
    for column, (start, end) in enumerate(STEPS.values()):
        begun = starts.get(start, times[start])
        both = (begun >= 0) & (times[end] >= 0)
        seconds[both, column] = np.clip(times[end][both] - begun[both], 0, MAX_SECONDS)
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
        seconds=seconds,
    )


def summarise(cases: pd.DataFrame, catalog: CaseCatalog) -> pd.DataFrame:
    """Summary rows (KEYS, COUNTERS, the sorted durations of each step) of a frame of cases (CASE_COLUMNS, and
    FIRST_DISPATCH: with_first_dispatch)."""
    if cases.empty:
        out = pd.DataFrame(
            {name: pd.Series(dtype=np.int64 if kind == "integer" else object) for name, kind in SUMMARY_COLUMNS.items()}
        )
        out.attrs[TYPES_ATTR] = dict(SUMMARY_COLUMNS)  # the store keeps the durations' type without rows
        return out
    part = contributions(cases, catalog)
    frame = pd.DataFrame({**part.keys, **dict(zip(COUNTERS, part.counts.T))})
    grouped = frame.groupby(list(KEYS), sort=True, dropna=False)
    out = grouped[list(COUNTERS)].sum().reset_index()
    group = grouped.ngroup().to_numpy()  # the row of `out` each case adds to
    for column, step in enumerate(STEPS):
        done = part.seconds[:, column] >= 0
        owner, values = group[done], part.seconds[done, column]
        order = np.lexsort((values, owner))  # by row, then by duration
        owner, values = owner[order], values[order].astype(_DURATION)
        cuts = np.searchsorted(owner, np.arange(len(out) + 1))
        blobs = [values[cuts[i] : cuts[i + 1]].tobytes() for i in range(len(out))]
        out[f"dur_{step}"] = pd.Series(blobs, dtype=object, index=out.index)
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
    cases = with_first_dispatch(cases, first_dispatches(tx))
    tx.replace(SUMMARY, summarise(cases, catalog), indexes=("month", "adcode"))
    heat.rebuild(tx)
    tx.set_meta(CLOCK_META, CLOCK)
    return len(cases)


def _changed(blob, seconds: int, sign: int) -> bytes:
    """A row's sorted durations with one duration added (sign 1) or taken out (sign -1)."""
    values = durations(blob)
    at = int(np.searchsorted(values, seconds))
    if sign > 0:
        values = np.insert(values, at, seconds)
    elif at < len(values) and values[at] == seconds:
        values = np.delete(values, at)
    return values.astype(_DURATION).tobytes()


def record(tx: Transaction, catalog: CaseCatalog, before: dict | None, after: dict | None) -> None:
    """Keep the summary right in the transaction that changes a case: `before` and `after` are the case's rows
    (None for a new case). Call it from every write of the cases table; without it the summary is rebuilt.
    A new case is also counted in its heat cell (heat.record: its row carries its point under "geometry"; only a
    new case changes the cells, place and month never change). A summary of an older layout (histograms) is left
    to `fresh`, which rebuilds it (its version is then older than the cases')."""
    create_summary(tx)
    if before is None and after is not None:
        heat.record(tx, after)
    if not _current_layout(tx):
        return
    rows = [(case, sign) for case, sign in ((before, -1), (after, 1)) if case]
    first = None  # the case's dispatch event (none yet while it is being dispatched: then its dispatched_at)
    if any(case.get("dispatched_at") for case, _ in rows):
        first = first_dispatches(tx, [rows[0][0]["id"]]).get(rows[0][0]["id"])
    for case, sign in rows:
        frame = pd.DataFrame([case], columns=CASE_COLUMNS)
        frame[FIRST_DISPATCH] = first or case.get("dispatched_at")
        part = contributions(frame, catalog)
        key = {k: part.keys[k][0] for k in KEYS}
        counts = dict(zip(COUNTERS, (sign * part.counts[0]).tolist()))
        taken = {f"dur_{step}": int(part.seconds[0, i]) for i, step in enumerate(STEPS) if part.seconds[0, i] >= 0}
        stored = tx.records(SUMMARY, where=key)
        if not stored:
            blobs = {f"dur_{s}": _blob([taken[f"dur_{s}"]] if f"dur_{s}" in taken and sign > 0 else []) for s in STEPS}
            tx.insert_records(SUMMARY, [{**key, **counts, **blobs}])
            continue
        tx.update(
            SUMMARY,
            key,
            {
                **{c: int(stored[0][c]) + n for c, n in counts.items()},
                **{c: _changed(stored[0][c], seconds, sign) for c, seconds in taken.items()},
            },
        )


def _current_layout(reader: Reader) -> bool:
    """The summary has this layout (every column of SUMMARY_COLUMNS): a summary made before, with histograms (or by
    an older process of a deployment, or restored from an older backup), has not."""
    return set(SUMMARY_COLUMNS) <= set(reader.read(SUMMARY, limit=0).columns)


def _stale(reader: Reader, clock: str | None) -> bool:
    """A write changed the cases without record() (the summary's version is then older), a summary is missing or
    has another layout (_current_layout), or the summary was built with another working clock (`clock`, the stored
    one: an older calendar; 按期结案率 counts working hours). The heat cells change with the summary (record,
    rebuild), not on every case change."""
    tables = reader.tables()
    return (
        SUMMARY not in tables
        or heat.CELLS not in tables
        or reader.table_version(SUMMARY) < reader.table_version(CASES)
        or clock != CLOCK
        or not _current_layout(reader)
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
        "median_hours": {step: _round(median_hours(rows[f"dur_{step}"])) for step in STEPS},
    }


def _round(value: float | None) -> float | None:
    """Hours to 4 decimals (0.36 s: the stored times are to the second), so that a short median is exact too."""
    return None if value is None else round(value, 4)


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
        cases = pd.DataFrame(cases)
        rows = summarise(with_first_dispatch(cases, first_dispatches(store, cases["id"])), catalog)
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
