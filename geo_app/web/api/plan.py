"""Siting for planners: runs as jobs (/api/plan/jobs), the synchronous /api/plan/sites for scripts, exports
(format=geojson|csv|gpkg) of a run or a saved scenario, and saved scenarios."""

from __future__ import annotations

import io
import tempfile
from dataclasses import asdict
from pathlib import Path

import geopandas as gpd
import pyogrio
from flask import Response, abort, current_app, jsonify, request, url_for
from flask_login import current_user
from shapely.geometry import shape

from geo_app.checks import clean_name, parse_number, parse_whole
from geo_app.errors import BadParameter, Conflict, DomainError, Failed, NotFound
from geo_app.planning import scenarios
from geo_app.planning.jobs import Busy, Jobs
from geo_app.planning.jobs.files import FINAL
from geo_app.planning.siting import STAGES, Limits, SitingRequest, coverage, estimate, needed_layers
from geo_app.settings import ROOT
from geo_app.web import context
from geo_app.web.api import bp
from geo_app.web.api.facilities import integer
from geo_app.web.auth import requires
from geo_app.web.errors import CAUSES, check_params, domain_error, refuse_repeats, status_of

MAX_SCENARIOS_LISTED = 200  # one page of the saved scenarios

PARAMS = {"type", "districts", "k", "target", "radius", "spacing", "demand", "candidates"}
FORMATS = ("json", "geojson", "csv", "gpkg")


def _number(name: str, low: float, high: float, integer: bool = False):
    text = request.values.get(name)
    if text in (None, ""):
        return None
    if integer:
        return parse_whole(name, text, low, high)
    value = parse_number(name, text)
    if not low <= value <= high:
        raise BadParameter(name, f"{value:g} is outside {low:g}..{high:g}")
    return value


def parse_request(need_size: bool = True) -> SitingRequest:
    project = context.project()
    layer = request.values.get("type", "")
    types = [lid for lid in project.standards.layers_with_radius if lid in project.catalog]
    if layer not in types:
        raise BadParameter("type", f"{layer!r} is not one of {', '.join(types)}")
    codes = []
    boundaries = set(context.store().read(project.catalog.units_layer.id)["adcode"])
    for name in (request.values.get("districts") or "").split(","):
        if not name.strip():
            continue
        try:
            code = project.units.resolve_unit(name.strip())
        except KeyError:
            raise BadParameter("districts", f"{name!r} is not a district code, name or alias") from None
        if code not in boundaries:
            raise BadParameter("districts", f"{name!r} has no boundary loaded: it cannot be planned on the map")
        codes.append(code)
    if not codes:
        raise BadParameter("districts", "give one or more districts, e.g. districts=320508")
    k = _number("k", 1, 1000, integer=True)
    target = _number("target", 1, 100)
    if need_size and (k is None) == (target is None):
        raise BadParameter("k", "give either k (new sites, MCLP) or target (coverage %, 100 = LSCP), not both")
    demand = request.values.get("demand") or "grids"
    if demand not in ("grids", "area") and ":" not in demand:
        raise BadParameter("demand", f"{demand!r}: give grids, area or <layer>:<numeric column>")
    candidates = request.values.get("candidates") or "lattice"
    if candidates != "lattice" and candidates not in project.catalog:
        raise BadParameter("candidates", f"{candidates!r}: give lattice or a layer id")
    return SitingRequest(
        layer=layer,
        districts=tuple(codes),
        k=k,
        target_pct=target,
        radius_m=_number("radius", 10, 5000),
        spacing_m=_number("spacing", 25, 2000) or 100.0,
        demand=demand,
        candidates=candidates,
    )


def limits() -> Limits:
    config = current_app.config
    return Limits(
        max_demand=int(config["SITING_MAX_DEMAND"]),
        max_candidates=int(config["SITING_MAX_CANDIDATES"]),
        time_limit_s=float(config["SOLVER_TIME_LIMIT_S"]),
        demand_spacing_m=float(config["SITING_DEMAND_SPACING_M"]),
        max_lattice=int(config["SITING_MAX_LATTICE"]),
    )


def _layers(siting: SitingRequest) -> dict:
    project, store = context.project(), context.store()
    available = set(store.tables())
    return {lid: store.read(lid) for lid in needed_layers(siting, project.catalog.units_layer.id) if lid in available}


def jobs() -> Jobs:
    config = current_app.config
    store = str(config["STORE"])
    folder = config["JOBS_DIR"] or (ROOT / "instance" / "jobs" if "://" in store else Path(store).parent / "jobs")
    return Jobs(folder, config["SITING_MAX_RUNNING"], config["SITING_JOB_KEEP_S"])


def start(siting: SitingRequest) -> str:
    """Size the run (RunTooLarge beyond the budget), then start it as a job (Busy when every run slot is taken)."""
    size = estimate(siting, _layers(siting), limits())
    config = current_app.config
    task = {
        "store": str(config["STORE"]),
        "layers_dir": str(config["LAYERS_DIR"]),
        "limits": asdict(limits()),
        "memory_mb": int(config["SITING_MAX_MEMORY_MB"]),
        "request": asdict(siting),
    }
    return jobs().start(task, {"kind": "siting", "stages": list(STAGES), "estimate": size})


@bp.errorhandler(Busy)
def busy(exc: Busy):
    """Every run slot is taken, and when to try again (a run holds its slot at most about this long)."""
    response, status = domain_error(exc)
    response.headers["Retry-After"] = str(int(current_app.config["SOLVER_TIME_LIMIT_S"]))
    return response, status


def failure(job: dict) -> DomainError:
    """The error a failed job ended with, of the cause its file records."""
    error = job["error"]
    cause = CAUSES.get(error.get("cause"), Failed)
    return cause("problem", error["message"], detail={key: error[key] for key in ("code", "values") if key in error})


def finished(job: dict) -> dict:
    """The result of a finished job, or the error it ended with."""
    if job["state"] == "failed":
        raise failure(job)
    if job["state"] != "done":
        raise Conflict("job", f"the run is {job['state']}: only a finished run has a result")
    return job["result"]


def _export(result: dict, fmt: str, name: str):
    features = result["sites"]["features"]
    frame = gpd.GeoDataFrame(
        [dict(f["properties"], geometry=shape(f["geometry"])) for f in features],
        columns=["number", "adcode", "adds_km2_or_weight", "adds_pct", "geometry"],
        geometry="geometry",
        crs=4326,
    )
    if fmt == "geojson":
        return Response(
            frame.to_json(drop_id=True, ensure_ascii=False),
            mimetype="application/geo+json",
            headers={"Content-Disposition": f"attachment; filename={name}.geojson"},
        )
    if fmt == "csv":
        table = frame.assign(lon=frame.geometry.x.round(7), lat=frame.geometry.y.round(7)).drop(columns="geometry")
        buffer = io.StringIO()
        table.to_csv(buffer, index=False)
        return Response(
            "\ufeff" + buffer.getvalue(),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename={name}.csv"},
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.gpkg"
        pyogrio.write_dataframe(frame, path, layer="proposed_sites", driver="GPKG")
        data = path.read_bytes()
    return Response(
        data,
        mimetype="application/geopackage+sqlite3",
        headers={"Content-Disposition": f"attachment; filename={name}.gpkg"},
    )


def _format() -> str:
    fmt = request.args.get("format", "json")
    if fmt not in FORMATS:
        raise BadParameter("format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    return fmt


@bp.get("/plan/sites")
def plan_sites():
    """A run answered when it is done (for scripts); the page uses the job flow below."""
    check_params(request.args, PARAMS | {"format"})
    fmt = _format()
    result = finished(jobs().wait(start(parse_request())))
    if fmt == "json":
        return jsonify(result)
    return _export(result, fmt, f"sites-{result['request']['type']}")


@bp.post("/plan/jobs")
def job_start():
    """Start a run: 202 with the job's URL, to poll for its stage and result (and DELETE to cancel)."""
    check_params(request.args, set())
    unknown = sorted(set(request.form) - PARAMS)
    if unknown:
        raise BadParameter(unknown[0], f"unknown field; give {', '.join(sorted(PARAMS))}")
    refuse_repeats(request.form)
    job_id = start(parse_request())
    url = url_for("api.job_get", job_id=job_id)
    return jsonify({"id": job_id, "state": "running", "url": url}), 202, {"Location": url}


def _job(job_id: str) -> dict:
    job = jobs().get(job_id)
    if job is None:
        raise NotFound("id", f"no siting job {job_id!r} (finished jobs are kept for a day)")
    if job["state"] == "failed":  # the file records the cause; the answer also names its status
        job["error"]["status"] = status_of(failure(job))
    return job


@bp.get("/plan/jobs/<job_id>")
def job_get(job_id: str):
    check_params(request.args, {"format"})
    fmt = _format()
    job = _job(job_id)
    if fmt == "json":
        return jsonify(job)
    if job["state"] != "done":
        raise Conflict("format", f"the job is {job['state']}: only a finished run can be exported")
    return _export(job["result"], fmt, f"sites-{job['result']['request']['type']}")


@bp.delete("/plan/jobs/<job_id>")
def job_cancel(job_id: str):
    job = _job(job_id)
    if job["state"] in FINAL:
        raise Conflict("id", f"the job has already ended ({job['state']})")
    jobs().cancel(job_id)
    return jsonify({"id": job_id, "state": "cancelling"}), 202


@bp.get("/plan/coverage")
def plan_coverage():
    """Demand-weighted coverage of the chosen districts by the existing facilities (no new sites)."""
    check_params(request.args, PARAMS - {"k", "target", "spacing", "candidates"})
    siting = parse_request(need_size=False)
    return jsonify(coverage(siting, _layers(siting), context.project().standards, limits()))


@bp.get("/plan/scenarios")
def scenario_list():
    check_params(request.args, {"limit", "offset"})
    limit, offset = integer("limit", 50, 1, MAX_SCENARIOS_LISTED), integer("offset", 0, 0, 10**9)
    store = context.store()
    listed = scenarios.listing(store, limit=limit, offset=offset, with_owners=current_user.is_authenticated)
    return jsonify(
        {"scenarios": listed, "numberMatched": store.count(scenarios.TABLE), "limit": limit, "offset": offset}
    )


@bp.post("/plan/scenarios")
@requires("planner")
def scenario_save():
    check_params(request.args, set())
    unknown = sorted(set(request.form) - PARAMS - {"name", "job"})
    if unknown:
        raise BadParameter(
            unknown[0], f"unknown field; give name and job (a finished run), or name and {', '.join(sorted(PARAMS))}"
        )
    refuse_repeats(request.form)
    name = clean_name("name", request.form.get("name"))
    if request.form.get("job"):
        result = finished(_job(request.form["job"]))
    else:
        result = finished(jobs().wait(start(parse_request())))
    scenario_id = scenarios.save(context.store(), name, result, owner=current_user.name)
    return jsonify({"id": scenario_id, "name": name}), 201


@bp.get("/plan/scenarios/<scenario_id>")
def scenario_get(scenario_id: str):
    check_params(request.args, {"format"})
    fmt = _format()
    found = scenarios.get(context.store(), scenario_id)
    if found is None:
        raise NotFound("id", f"no saved scenario {scenario_id!r}")
    if fmt == "json":
        return jsonify(found)
    return _export(found["result"], fmt, scenario_id)


@bp.delete("/plan/scenarios/<scenario_id>")
@requires("planner")
def scenario_delete(scenario_id: str):
    """Its owner or an admin only."""
    found = scenarios.get(context.store(), scenario_id)
    if found is None:
        raise NotFound("id", f"no saved scenario {scenario_id!r}")
    if current_user.role != "admin" and found["owner"] != current_user.name:
        abort(403, f"only its owner ({found['owner'] or 'unknown'}) or an admin may delete scenario {scenario_id!r}")
    if not scenarios.delete(context.store(), scenario_id):
        raise NotFound("id", f"no saved scenario {scenario_id!r}")
    return jsonify({"deleted": scenario_id})
