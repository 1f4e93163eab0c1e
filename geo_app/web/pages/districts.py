"""District statistics (/districts): a choropleth of a chosen statistic (classes by mapclassify, legend with
units), the table of all units, and a page per unit (/districts/<code>) with its report figures."""

from __future__ import annotations

import warnings

import folium
import mapclassify
import numpy as np
from flask import render_template, request, url_for
from folium.utilities import JsCode
from markupsafe import escape

from geo_app import crs
from geo_app.errors import BadParameter, NotFound
from geo_app.features.statistics import STATS_TABLE, describe_columns, with_integer_counts
from geo_app.project.report import figures_for_unit, progress
from geo_app.web import context, i18n
from geo_app.web.api.common import provenance
from geo_app.web.pages import case_heat as heat_view
from geo_app.web.pages import case_statistics as case_view
from geo_app.web.pages.grid import DISPLAY_TOLERANCE_DEG
from geo_app.web.pages.page import chosen_basemap, layer_summary, new_map, render_map_page

# Sequential classes (ColorBrewer YlGnBu, 5 classes); grey for a unit without a value.
PALETTE = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
NO_VALUE = "#cccccc"
DEFAULT_STAT = "toilets_per_km2"
TABLE_COLUMNS = [
    "area_km2",
    "toilets_count",
    "toilets_per_km2",
    "toilets_district_area_coverage_pct",
    "bike_stations_count",
    "bike_stations_district_area_coverage_pct",
    "parking_capacity_total",
    "grids_count",
    "report_figures",
]


def choosable(columns: dict) -> list[str]:
    return [
        name
        for name, spec in columns.items()
        if spec.get("unit")
        and not name.endswith("_radius_m")
        and name not in ("code", "report_figures", "report_group_figures")
    ]


def _label(spec: dict) -> str:
    return spec["en"] if i18n.lang() == "en" else spec["zh"]


def classify(values: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """Class index per value (-1 where missing) and the upper bounds of the classes (Fisher-Jenks)."""
    present = ~np.isnan(values)
    k = min(len(PALETTE), len(np.unique(values[present])))
    if k < 2:
        return np.where(present, 0, -1), [float(np.nanmax(values))] if present.any() else []
    with warnings.catch_warnings():  # "Numba not installed": the pure-Python path is fast for ten units
        warnings.simplefilter("ignore", UserWarning)
        scheme = mapclassify.FisherJenks(values[present], k=k)
    classes = np.full(len(values), -1)
    classes[present] = scheme.yb
    return classes, [float(b) for b in scheme.bins]


def districts_page() -> str:
    basemap = chosen_basemap()
    project = context.project()
    choice = case_view.chosen(request.args)
    columns = {**describe_columns(project.catalog, project.standards), case_view.STAT: case_view.column(choice)}
    stat = request.args.get("stat", DEFAULT_STAT)
    if stat not in choosable(columns):
        raise BadParameter("stat", f"{stat!r} is not one of {', '.join(choosable(columns))}")
    table = with_integer_counts(context.store().read(STATS_TABLE))
    districts = (
        context.store()
        .read("districts")[["adcode", "geometry"]]
        .merge(table, left_on="adcode", right_on="code", how="left")
    )
    heat = {}
    if stat == case_view.STAT:
        districts[stat] = districts["adcode"].map(case_view.densities(choice)).astype(float)
        heat = heat_view.page_values(choice.case_class, basemap.crs, choice.period)
    districts["geometry"] = districts.geometry.simplify(DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    values = districts[stat].astype(float).to_numpy()
    classes, bounds = classify(values)
    name_column = "name_en" if i18n.lang() == "en" else "name_zh"
    unit = i18n.unit(columns[stat]["unit"])
    districts = districts.assign(
        cls=classes,
        label=[str(escape(n)) for n in districts[name_column]],
        value_text=[str(escape("–" if np.isnan(v) else f"{v:,.2f} {unit}")) for v in values],
        url=[url_for("maps.district", code=c, lang=request.args.get("lang")) for c in districts["adcode"]],
    )[["adcode", "label", "value_text", "url", "cls", "geometry"]]
    if basemap.crs != crs.WGS84:
        districts = crs.from_wgs84(districts, basemap.crs)
    fmap = new_map(basemap, zoom=9)
    minx, miny, maxx, maxy = districts.total_bounds
    fmap.fit_bounds([[float(miny), float(minx)], [float(maxy), float(maxx)]])
    folium.GeoJson(
        districts.__geo_interface__,
        name="choropleth",
        style_function=lambda f: {
            "fillColor": PALETTE[f["properties"]["cls"]] if f["properties"]["cls"] >= 0 else NO_VALUE,
            "fillOpacity": 0.75,
            "color": "#444",
            "weight": 1,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=["label", "value_text"], aliases=["", ""], labels=False),
        on_each_feature=JsCode(
            "function (feature, layer) { layer.on('click', function () {"
            " window.location.href = feature.properties.url; }); }"
        ),
    ).add_to(fmap)
    missing = i18n.t("page.districts.cases.not_covered") if stat == case_view.STAT else None
    legend = _legend(bounds, values, unit, missing)
    rows = table.to_dict("records")
    config = {"stat": stat, **({"heat": heat["heat_config"]} if heat else {})}
    return render_map_page(
        "districts.html",
        fmap,
        config,
        basemap=basemap,
        stat=stat,
        columns=columns,
        choices=choosable(columns),
        label=_label,
        legend=legend,
        rows=rows,
        table_columns=TABLE_COLUMNS,
        progress=progress(project.report),
        page="districts",
        **case_view.page_values(choice),
        **heat,
    )


def _legend(bounds: list[float], values: np.ndarray, unit: str, missing: str | None = None) -> list[dict]:
    """Colour and range of each class, and what a grey unit means (default: it has no boundary)."""
    lower = float(np.nanmin(values)) if not np.isnan(values).all() else None
    items = []
    for i, upper in enumerate(bounds):
        items.append({"color": PALETTE[i], "text": f"{lower:,.2f} – {upper:,.2f} {unit}"})
        lower = upper
    if np.isnan(values).any():
        items.append({"color": NO_VALUE, "text": missing or i18n.t("page.districts.no_boundary")})
    return items


def district_page(code: str) -> str:
    project = context.project()
    try:
        code = project.units.resolve_unit(code)
    except KeyError:
        raise NotFound("code", f"unknown district {code!r}") from None
    unit = project.units.units[code]
    choice = case_view.chosen(request.args, district=code)
    table = with_integer_counts(context.store().read(STATS_TABLE))
    row = table[table["code"] == code].iloc[0].to_dict()
    columns = describe_columns(project.catalog, project.standards)
    figures = figures_for_unit(project.report, project.units, code)
    pairs = {p["target_id"]: p for p in progress(project.report)}
    values = dict(
        unit=unit,
        row=row,
        columns=columns,
        figures=figures,
        label=_label,
        pairs=pairs,
        page="districts",
        groups=project.units.groups,
        **case_view.page_values(choice, code),
    )
    outline = context.store().read("districts")
    outline = outline[outline["adcode"] == code]
    if outline.empty:  # no boundary loaded (SIP): its figures without a map
        return render_template("district.html", map_html=None, demo=bool(provenance()["demo_layers"]), **values)
    return render_map_page(
        "district.html", _district_map(outline), _district_config(project, code), basemap=chosen_basemap(), **values
    )


def _district_map(outline) -> folium.Map:
    """The district's outline, fitted; its grids and facilities are loaded by static/js/district.js."""
    basemap = chosen_basemap()
    outline = outline[["adcode", "geometry"]].assign(
        geometry=outline.geometry.simplify(DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    )
    if basemap.crs != crs.WGS84:
        outline = crs.from_wgs84(outline, basemap.crs)
    fmap = new_map(basemap, tiles=True)
    folium.GeoJson(
        outline.__geo_interface__,
        name="district",
        interactive=False,
        style_function=lambda f: {"color": "#222", "weight": 3, "fill": False},
    ).add_to(fmap)
    minx, miny, maxx, maxy = outline.total_bounds
    fmap.fit_bounds([[float(miny), float(minx)], [float(maxy), float(maxx)]])
    return fmap


def _district_config(project, code: str) -> dict:
    grid_spec = next(spec for spec in project.catalog.layers.values() if spec.role == "grid")
    return {
        "adcode": code,
        "gridLayer": layer_summary(grid_spec),
        "layers": [layer_summary(spec) for spec in project.catalog.facility_layers],
    }
