"""The planner map (/plan): facilities of a type with their service-radius circles, and the parts of each
district they leave uncovered, with coverage per district; and the form that sites new facilities (a job, with
its progress by stage) and lists the saved scenarios."""

from __future__ import annotations

from flask import request, url_for

from geo_app import texts
from geo_app.errors import BadParameter
from geo_app.planning.siting import STAGES
from geo_app.web import context, i18n
from geo_app.web.api.coverage import coverage_frame
from geo_app.web.pages.grid import district_outlines
from geo_app.web.pages.page import chosen_basemap, layer_summary, new_map, render_map_page


def plan_page() -> str:
    basemap = chosen_basemap()
    project = context.project()
    types = [lid for lid in project.standards.layers_with_radius if lid in project.catalog]
    layer = request.args.get("type", types[0])
    if layer not in types:
        raise BadParameter("type", f"{layer!r} is not one of {', '.join(types)}")
    spec, coverage = coverage_frame(layer)
    stats = context.store().read("district_stats").set_index("code")
    name = "name_en" if i18n.lang() == "en" else "name_zh"
    rows = [
        {
            "code": r["adcode"],
            "name": stats.loc[r["adcode"], name],
            "radius_m": r["radius_m"],
            "coverage_pct": r["district_area_coverage_pct"],
            "uncovered_km2": r["uncovered_km2"],
            "source": project.standards.radius(layer, r["adcode"]).source_in(i18n.lang()),
        }
        for _, r in coverage.iterrows()
    ]
    fmap = new_map(basemap, zoom=12, tiles=True)
    district_outlines(basemap, None).add_to(fmap)
    config = {
        "layer": layer_summary(spec),
        "radii": {r["code"]: r["radius_m"] for r in rows},
        "default_radius": project.standards.radius(layer).metres,
        "districtNames": {r["code"]: r["name"] for r in rows},
        "api": {
            "coverage": url_for("api.coverage", layer=layer),
            "jobs": url_for("api.job_start"),
            "scenarios": url_for("api.scenario_list"),
        },
        "stages": list(STAGES),
        "messages": texts.templates(i18n.lang()),
    }
    chosen = (request.args.get("districts") or "320508").split(",")
    demands, candidates = siting_choices(layer)
    return render_map_page(
        "plan.html",
        fmap,
        config,
        basemap=basemap,
        types=types,
        layer=layer,
        spec=spec,
        rows=rows,
        page="plan",
        chosen=chosen,
        args=request.args,
        demands=demands,
        candidates=candidates,
        stages=STAGES,
    )


def siting_choices(layer: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """What the form offers as demand (the patrolled area, the whole area, or a point layer's numeric field) and
    as candidate sites (the lattice or a point layer), as (value, label) pairs in the page's language."""
    project, loaded = context.project(), set(context.store().tables())
    english = i18n.lang() == "en"
    points = [
        spec
        for spec in project.catalog.layers.values()
        if spec.id in loaded and spec.geometry_type == "Point" and spec.id != layer
    ]
    demands = [("grids", i18n.t("page.plan.demand_grids")), ("area", i18n.t("page.plan.demand_area"))]
    for spec in points:
        for name, field in spec.fields.items():
            if field.type in ("integer", "number"):
                label = (field.label_en or name) if english else (field.label_zh or name)
                demands.append((f"{spec.id}:{name}", f"{spec.title_en if english else spec.title_zh}: {label}"))
    candidates = [("lattice", i18n.t("page.plan.candidates_lattice"))]
    candidates += [(spec.id, spec.title_en if english else spec.title_zh) for spec in points]
    return demands, candidates
