"""Siting new facilities (planners): k new sites that cover the most demand (MCLP), or the fewest that cover all
of it (LSCP), with the existing facilities kept; solved with PuLP's bundled CBC.

The models are the textbook ones PySAL spopt builds (spopt.locate.MCLP / LSCP), written here over sparse
coverage sets: spopt's builder adds every demand-candidate pair to the model, zeros included, which took 32 s for
2 000 x 800 before CBC even started; the sparse model of the same problem builds in well under a second. The
tests solve small problems both ways and check that the optima agree.

Demand is a lattice of points over the grid-patrol areas (the built-up, patrolled city) of the chosen districts,
each weighing its cell's area; or over the whole district polygons; or the features of any layer with a numeric
weight column (a population layer imported like any other). Candidates are a lattice inside the demand area, or
the points of an imported candidate layer. Everything is measured in EPSG:4549 metres.

The lattice serves the optimisation only: the figures of a result (coverage before and after, each site's gain)
are measured exactly on geometry once the sites are chosen (siting_report.py).

Runs stay bounded: `estimate` sizes a run from areas and spacings before anything is built and refuses a
candidate lattice beyond the budget (naming the smallest spacing allowed); demand already covered by existing facilities is set aside first (with existing facilities
fixed, maximising total coverage is the same as maximising the coverage of the rest), candidates that reach no
uncovered demand are dropped, and when the rest is still too large the demand is aggregated and the candidate
lattice thinned. Each simplification is reported with the result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp
import shapely
from scipy.spatial import cKDTree

from geo_app import crs
from geo_app.errors import TooExpensive, Unsolvable
from geo_app.planning import siting_report
from geo_app.project.standards import Standards
from geo_app.texts import Message, message


class SitingError(Unsolvable):
    """A problem that cannot be solved as asked; the message says why and what would work."""

    def __init__(self, code: str, **values):
        self.message = message(code, **values)
        super().__init__("problem", self.message.text(), detail=self.message.detail())


class RunTooLarge(TooExpensive, SitingError):
    """A run beyond its budget (Limits, the memory cap)."""


@dataclass(frozen=True)
class SitingRequest:
    layer: str
    districts: tuple[str, ...]
    k: int | None = None  # MCLP: this many new sites
    target_pct: float | None = None  # else: the fewest new sites reaching this coverage (100: LSCP)
    radius_m: float | None = None  # None: each district's radius from the standards
    spacing_m: float = 100.0  # candidate lattice spacing
    demand: str = "grids"  # "grids", "area" or "<layer>:<weight field>"
    candidates: str = "lattice"  # "lattice" or a point layer's id


STAGES = ("demand", "candidates", "solve", "measure")


class Cancelled(Exception):
    """The run was cancelled between two stages."""


@dataclass
class Limits:
    max_demand: int = 4000
    max_candidates: int = 2500
    time_limit_s: float = 30.0
    demand_spacing_m: float = 100.0
    max_lattice: int = 250_000  # candidate lattice points a run may build at all (checked beforehand)


@dataclass
class Problem:
    demand_xy: np.ndarray
    demand_weight: np.ndarray
    demand_radius: np.ndarray
    demand_unit: np.ndarray
    candidates_xy: np.ndarray
    covered_before: np.ndarray
    existing_xy: np.ndarray
    areas: dict | None  # metric demand area per district (None: demand is weighted points)
    demand_spacing_m: float
    default_radius: float
    simplifications: list[Message] = field(default_factory=list)
    sizes: dict = field(default_factory=dict)


LATTICE_CHUNK = 1_000_000  # lattice points tested at once: bounds the memory of a wide bounding box


def _lattice(area_m, spacing: float) -> np.ndarray:
    """Centres of a square lattice (aligned to multiples of `spacing`) that fall inside the metric polygon."""
    if area_m.is_empty:
        return np.empty((0, 2))
    minx, miny, maxx, maxy = area_m.bounds
    xs = np.arange(np.floor(minx / spacing) * spacing + spacing / 2, maxx, spacing)
    ys = np.arange(np.floor(miny / spacing) * spacing + spacing / 2, maxy, spacing)
    shapely.prepare(area_m)
    rows = max(1, LATTICE_CHUNK // max(len(xs), 1))
    found = [np.empty((0, 2))]
    for start in range(0, len(ys), rows):
        gx, gy = np.meshgrid(xs, ys[start : start + rows])
        inside = shapely.contains_xy(area_m, gx.ravel(), gy.ravel())
        found.append(np.column_stack([gx.ravel()[inside], gy.ravel()[inside]]))
    return np.vstack(found)


def _districts_m(request: SitingRequest, layers: dict):
    return crs.metric(layers["districts"].set_index("adcode").loc[list(request.districts)])


def _demand_areas(request: SitingRequest, layers: dict) -> dict | None:
    """The metric demand area of each district: its patrolled area (grids) or its whole polygon (area)."""
    if request.demand not in ("grids", "area"):
        return None
    areas = {}
    for code, district in _districts_m(request, layers).geometry.items():
        areas[code] = district
        if request.demand == "grids":
            grids = crs.metric(layers["grids"][layers["grids"]["adcode"] == code])
            areas[code] = (
                shapely.union_all(grids.geometry.values).intersection(district) if len(grids) else shapely.Polygon()
            )
    return areas


def estimate(request: SitingRequest, layers: dict, limits: Limits) -> dict:
    """The size of a run from areas and spacings, before anything is built; refuses what exceeds the budget."""
    districts = _districts_m(request, layers)
    area = float(districts.area.sum())
    if request.demand == "grids":
        grids = layers["grids"][layers["grids"]["adcode"].isin(request.districts)]
        area = float(crs.metric(grids).area.sum()) if len(grids) else 0.0
    if request.candidates == "lattice":
        candidates = int(area / request.spacing_m**2)
        if candidates > limits.max_lattice:
            smallest = float(np.ceil(np.sqrt(area / limits.max_lattice) / 5) * 5)
            raise RunTooLarge(
                "lattice_too_fine",
                spacing=f"{request.spacing_m:g}",
                area=f"{area / 1e6:,.1f}",
                count=f"{candidates:,}",
                limit=f"{limits.max_lattice:,}",
                smallest=f"{smallest:g}",
            )
    else:
        candidates = len(layers[request.candidates]) if request.candidates in layers else 0
    if request.demand in ("grids", "area"):
        demand = min(int(area / limits.demand_spacing_m**2), limits.max_demand)
    else:
        demand = len(layers[request.demand.partition(":")[0]]) if request.demand.partition(":")[0] in layers else 0
    return {"area_km2": round(area / 1e6, 3), "demand_points": demand, "candidates": candidates}


def _demand(
    request: SitingRequest, layers: dict, areas: dict | None, standards: Standards, limits: Limits, notes: list[Message]
):
    xy, weight, unit = [], [], []
    spacing = limits.demand_spacing_m
    if areas is not None:
        total_area = sum(a.area for a in areas.values())
        if total_area / spacing**2 > limits.max_demand:
            spacing = float(np.ceil(np.sqrt(total_area / limits.max_demand) / 10) * 10)
            notes.append(message("demand_lattice", spacing=f"{spacing:g}", default=f"{limits.demand_spacing_m:g}"))
        for code, area in areas.items():
            points = _lattice(area, spacing)
            xy.append(points)
            weight.append(np.full(len(points), spacing * spacing / 1e6))  # km² each
            unit.append(np.full(len(points), code))
    else:
        layer, _, column = request.demand.partition(":")
        frame = layers.get(layer)
        if frame is None or column not in frame.columns:
            raise SitingError("demand_unknown", demand=repr(request.demand))
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.isna().all():
            raise SitingError("demand_not_numeric", demand=repr(request.demand), column=repr(column))
        frame = crs.metric(frame.assign(_w=values.fillna(0)))
        for code, district in _districts_m(request, layers).geometry.items():
            inside = frame[frame.geometry.representative_point().within(district)]
            pts = inside.geometry.representative_point()
            xy.append(np.column_stack([pts.x, pts.y]) if len(pts) else np.empty((0, 2)))
            weight.append(inside["_w"].to_numpy(dtype=float))
            unit.append(np.full(len(inside), code))
    xy, weight, unit = np.vstack(xy), np.concatenate(weight), np.concatenate(unit)
    if len(xy) == 0 or weight.sum() <= 0:
        raise SitingError("no_demand")
    radius = np.array([request.radius_m or standards.radius(request.layer, c).metres for c in unit])
    return xy, weight, unit, radius, spacing


def _candidates(request: SitingRequest, layers: dict, areas: dict | None):
    districts_m = _districts_m(request, layers)
    if request.candidates == "lattice":
        area = shapely.union_all(list(areas.values()) if areas is not None else districts_m.geometry.values)
        return _lattice(area, request.spacing_m)
    frame = layers.get(request.candidates)
    if frame is None:
        raise SitingError("candidates_unknown", candidates=repr(request.candidates))
    points = crs.metric(frame).geometry.representative_point()
    inside = points[points.within(shapely.union_all(districts_m.geometry.values))]
    return np.column_stack([inside.x, inside.y]) if len(inside) else np.empty((0, 2))


def needed_layers(request: SitingRequest, units_layer: str) -> set[str]:
    """The store layers a run reads."""
    return {units_layer, request.layer, "grids", request.demand.partition(":")[0], request.candidates}


def _quiet(stage: str) -> None:
    """The default progress callback: nobody is watching."""


def build_problem(
    request: SitingRequest,
    layers: dict,
    standards: Standards,
    limits: Limits,
    progress=_quiet,
    with_candidates: bool = True,
) -> Problem:
    notes: list[Message] = []
    progress("demand")
    areas = _demand_areas(request, layers)
    xy, weight, unit, radius, spacing = _demand(request, layers, areas, standards, limits, notes)
    existing = layers[request.layer]
    existing = existing[existing["status"] == "operational"] if "status" in existing else existing
    existing_m = crs.metric(existing).geometry.representative_point()
    existing_xy = np.column_stack([existing_m.x, existing_m.y]) if len(existing_m) else np.empty((0, 2))
    covered = np.zeros(len(xy), dtype=bool)
    if len(existing_xy):
        distance, _ = cKDTree(existing_xy).query(xy)
        covered = distance <= radius
    candidates = np.empty((0, 2))
    if with_candidates:
        progress("candidates")
        candidates = _candidates(request, layers, areas)
    sizes = {
        "demand_points": int(len(xy)),
        "existing_facilities": int(len(existing_xy)),
        "candidates": int(len(candidates)),
        "demand_covered_by_existing": int(covered.sum()),
    }
    default_radius = request.radius_m or standards.radius(request.layer).metres
    return Problem(
        xy, weight, radius, unit, candidates, covered, existing_xy, areas, spacing, default_radius, notes, sizes
    )


def _reduce(problem: Problem, limits: Limits, spacing_m: float):
    """Uncovered demand and useful candidates, aggregated or thinned to the limits; notes say what was done."""
    open_ = ~problem.covered_before
    xy, w, r = problem.demand_xy[open_], problem.demand_weight[open_], problem.demand_radius[open_]
    notes = problem.simplifications
    notes.append(message("covered_set_aside", count=int(problem.covered_before.sum())))
    if len(xy) > limits.max_demand:
        cell, before = limits.demand_spacing_m, len(xy)
        while len(xy) > limits.max_demand:
            cell *= 1.5
            keys = np.floor(problem.demand_xy[open_] / cell).astype(np.int64)
            _, inverse = np.unique(keys, axis=0, return_inverse=True)
            inverse = inverse.ravel()
            w = np.bincount(inverse, weights=problem.demand_weight[open_])
            xy = (
                np.column_stack(
                    [
                        np.bincount(inverse, weights=problem.demand_xy[open_][:, 0] * problem.demand_weight[open_]),
                        np.bincount(inverse, weights=problem.demand_xy[open_][:, 1] * problem.demand_weight[open_]),
                    ]
                )
                / w[:, None]
            )
            r = pd.Series(problem.demand_radius[open_]).groupby(inverse).min().to_numpy()
        notes.append(message("demand_aggregated", before=before, after=len(xy), cell=f"{cell:.0f}"))
    candidates = problem.candidates_xy
    if len(candidates) and len(xy):
        reach = cKDTree(candidates).query_ball_point(xy, r=r)
        useful = np.zeros(len(candidates), dtype=bool)
        for hits in reach:
            useful[hits] = True
        if (~useful).any():
            notes.append(message("candidates_dropped", count=int((~useful).sum())))
        candidates = candidates[useful]
    if len(candidates) > limits.max_candidates:
        before, factor = len(candidates), 1
        cells = np.round(candidates / spacing_m).astype(np.int64)
        while len(candidates) > limits.max_candidates:
            factor += 1
            keep = (cells[:, 0] % factor == 0) & (cells[:, 1] % factor == 0)
            candidates, cells = candidates[keep], cells[keep]
        notes.append(
            message(
                "candidates_thinned",
                before=before,
                after=len(candidates),
                every=f"{factor * spacing_m:g}",
                limit=limits.max_candidates,
            )
        )
    return xy, w, r, candidates


def coverage_sets(xy: np.ndarray, r: np.ndarray, candidates: np.ndarray) -> list[list[int]]:
    """For each demand point, the candidates within its radius (each point may have its own: 300 m in 姑苏区)."""
    return [list(hits) for hits in cKDTree(candidates).query_ball_point(xy, r=r)]


def _run(problem: pulp.LpProblem, limits: Limits) -> str:
    started = time.perf_counter()
    problem.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=limits.time_limit_s))
    status = pulp.LpStatus[problem.status]
    if status == "Infeasible":
        raise SitingError("infeasible")
    if status != "Optimal":
        raise SitingError("no_solution", status=status, limit=f"{limits.time_limit_s:g}")
    # CBC reports Optimal also when its time limit cut the search short: say so honestly.
    return "time_limit" if time.perf_counter() - started >= 0.98 * limits.time_limit_s else "optimal"


def mclp(
    sets: list[list[int]], weights: np.ndarray, n_candidates: int, k: int, limits: Limits
) -> tuple[list[int], str]:
    """Maximal covering: choose k candidates maximising the weight of demand within reach of one of them."""
    model = pulp.LpProblem("mclp", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(n_candidates)]
    y = [pulp.LpVariable(f"y{i}", lowBound=0, upBound=1) for i in range(len(sets))]  # integral at the optimum
    model += pulp.LpAffineExpression([(y[i], float(weights[i])) for i in range(len(sets))])
    for i, hits in enumerate(sets):
        model += pulp.LpAffineExpression([(x[j], 1) for j in hits] + [(y[i], -1)]) >= 0
    model += pulp.LpAffineExpression([(v, 1) for v in x]) == min(k, n_candidates)
    status = _run(model, limits)
    return [j for j, v in enumerate(x) if (v.value() or 0) > 0.5], status


def lscp(sets: list[list[int]], n_candidates: int, limits: Limits) -> tuple[list[int], str]:
    """Location set covering: the fewest candidates such that every demand point is within reach of one."""
    model = pulp.LpProblem("lscp", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(n_candidates)]
    model += pulp.LpAffineExpression([(v, 1) for v in x])
    for hits in sets:
        model += pulp.LpAffineExpression([(x[j], 1) for j in hits]) >= 1
    status = _run(model, limits)
    return [j for j, v in enumerate(x) if (v.value() or 0) > 0.5], status


def coverage(request: SitingRequest, layers: dict, standards: Standards, limits: Limits) -> dict:
    """Coverage by the existing facilities alone, per district (no siting), measured exactly."""
    problem = build_problem(request, layers, standards, limits, with_candidates=False)
    result = siting_report.report(request, problem, np.empty((0, 2)))
    return {
        "request": result["request"],
        "coverage": result["coverage"],
        "sizes": problem.sizes,
        "simplifications": [note.as_json() for note in problem.simplifications],
    }


def solve(request: SitingRequest, layers: dict, standards: Standards, limits: Limits, progress=_quiet) -> dict:
    """Choose the new sites; `progress(stage)` is called as each of STAGES starts (it may raise Cancelled)."""
    started = time.perf_counter()
    problem = build_problem(request, layers, standards, limits, progress)
    progress("solve")
    xy, w, r, candidates = _reduce(problem, limits, request.spacing_m)
    total = float(problem.demand_weight.sum())
    coverable = 0.0
    if len(candidates) and len(xy):
        reach = cKDTree(candidates).query_ball_point(xy, r=r)
        coverable = float(w[[bool(h) for h in reach]].sum())
    best_pct = 100 * (float(problem.demand_weight[problem.covered_before].sum()) + coverable) / total
    sizes = dict(problem.sizes, demand_points_solved=int(len(xy)), candidates_solved=int(len(candidates)))
    if len(xy) == 0:
        chosen, status = [], "nothing_to_do"
    elif len(candidates) == 0:
        raise SitingError("no_candidate_reaches", radius=_radius_text(request, r), best=f"{best_pct:.1f}")
    else:
        sets = coverage_sets(xy, r, candidates)
        target = request.target_pct
        if request.k is not None:
            chosen, status = mclp(sets, w, len(candidates), request.k, limits)
        elif target is not None and target >= 100:
            if best_pct < 100 - 1e-9:
                raise SitingError("full_coverage_impossible", radius=_radius_text(request, r), best=f"{best_pct:.1f}")
            chosen, status = lscp([h for h in sets if h], len(candidates), limits)
        else:
            if best_pct < target:
                raise SitingError(
                    "target_out_of_reach", target=f"{target:g}", radius=_radius_text(request, r), best=f"{best_pct:.1f}"
                )
            chosen, status = _fewest_for_target(sets, w, len(candidates), problem, target, limits)
    progress("measure")
    result = siting_report.report(request, problem, candidates[chosen] if chosen else np.empty((0, 2)))
    result.update(
        status=status,
        sizes=sizes,
        simplifications=[note.as_json() for note in problem.simplifications],
        best_possible_pct=round(best_pct, 2),
        seconds=round(time.perf_counter() - started, 2),
    )
    return result


def _fewest_for_target(sets, w, n_candidates: int, problem: Problem, target: float, limits: Limits):
    """The fewest new sites reaching the target coverage: a greedy choice first (an upper bound, and the answer if
    time runs out), then a binary search on k with MCLP, all within one time limit."""
    deadline = time.perf_counter() + limits.time_limit_s
    total = float(problem.demand_weight.sum())
    needed = target / 100 * total - float(problem.demand_weight[problem.covered_before].sum())
    if needed <= 0:
        return [], "target_reached"
    picked, gained = [], 0.0
    covered_rows: set = set()
    while gained < needed - 1e-9:
        gain: dict = {}
        for i, hits in enumerate(sets):
            if i not in covered_rows:
                for j in hits:
                    gain[j] = gain.get(j, 0.0) + w[i]
        j = max(gain, key=gain.get)
        picked.append(j)
        gained += gain[j]
        covered_rows |= {i for i, hits in enumerate(sets) if j in hits}
    best, proven = (picked, "greedy"), True
    low, high = 1, len(picked) - 1
    while low <= high:
        remaining = deadline - time.perf_counter()
        if remaining < 1:
            proven = False
            break
        k = (low + high) // 2
        chosen, status = mclp(sets, w, n_candidates, k, Limits(time_limit_s=remaining))
        proven &= status == "optimal"
        reached = float(sum(w[i] for i, hits in enumerate(sets) if set(chosen).intersection(hits)))
        if reached >= needed - 1e-9:
            best, high = (chosen, status), k - 1
        else:
            low = k + 1
    return best[0], ("optimal" if proven else "time_limit_fewer")


def _radius_text(request: SitingRequest, r: np.ndarray) -> str:
    if request.radius_m:
        return f"{request.radius_m:g} m"
    values = sorted({float(v) for v in r})
    return " / ".join(f"{v:g} m" for v in values) if values else "service"
