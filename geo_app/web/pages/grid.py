"""The grid supervisor map (/grid): grid-patrol areas with code and district, what lies in each and how it
compares, the grid containing a point, and one district's grids highlighted (/grid?district=320508).

Grids are drawn from vector tiles (/tiles/grids, from the layer's min_zoom on): at city scale they are too many
to put in the page."""

from __future__ import annotations

import folium
import numpy as np
from flask import request, url_for

from geo_app import crs
from geo_app.errors import NotFound
from geo_app.features.statistics import GRID_STATS_TABLE
from geo_app.web import context
from geo_app.web.pages import cases as case_pages
from geo_app.web.pages.page import chosen_basemap, layer_summary, new_map, render_map_page

DISPLAY_TOLERANCE_DEG = 0.0002  # about 20 m: simplifies district outlines for drawing only


def district_outlines(basemap, highlight: str | None) -> folium.GeoJson:
    districts = context.store().read("districts")[["adcode", "name_zh", "name_en", "geometry"]]
    districts["geometry"] = districts.geometry.simplify(DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    if basemap.crs != crs.WGS84:
        districts = crs.from_wgs84(districts, basemap.crs)
    return folium.GeoJson(
        districts.__geo_interface__,
        name="districts",
        style_function=lambda f: {
            "color": "#333" if f["properties"]["adcode"] == highlight else "#777",
            "weight": 3 if f["properties"]["adcode"] == highlight else 1.2,
            "fill": False,
            "dashArray": None if f["properties"]["adcode"] == highlight else "4 3",
        },
        interactive=False,
    )


def grid_page() -> str:
    basemap = chosen_basemap()
    project = context.project()
    district = request.args.get("district") or None
    if district:
        try:
            district = project.units.resolve_unit(district)
        except KeyError:
            raise NotFound("district", f"{district!r} is not a district code, name or alias") from None
    store = context.store()
    stats = store.read("district_stats").set_index("code")
    choices = [
        {"code": code, "name": stats.loc[code, "name_en" if request.args.get("lang") == "en" else "name_zh"]}
        for code in stats.index[stats["grids_count"].fillna(0) > 0]
    ]
    # the grid areas of the district (one column through its index), not the whole grid table
    areas = [
        r["area_km2"]
        for r in store.records(GRID_STATS_TABLE, where={"adcode": district} if district else None, columns=["area_km2"])
    ]
    fmap = new_map(basemap, zoom=13, tiles=True)
    district_outlines(basemap, district).add_to(fmap)
    outlines = store.read("districts").set_index("adcode")
    district_bounds = None  # fitted by grid.js (then zoomed in on a phone, without animations in between)
    if district and district in outlines.index:
        bounds = outlines.loc[[district]].total_bounds
        xs, ys = crs.convert(bounds[0::2], bounds[1::2], crs.WGS84, basemap.crs)
        district_bounds = [[float(ys[0]), float(xs[0])], [float(ys[1]), float(xs[1])]]
    grid_spec = next(spec for spec in project.catalog.layers.values() if spec.role == "grid")
    config = {
        "district": district,
        "districtBounds": district_bounds,
        "grid": request.args.get("grid"),
        # typical side of a grid (m): a phone opens a district at the zoom where grids are big enough to tap
        "gridSideM": round(float(np.median(areas) ** 0.5 * 1000)) if areas else None,
        "gridLayer": layer_summary(grid_spec),
        "facilityLayers": [layer_summary(spec) for spec in project.catalog.facility_layers],
        "districtNames": {
            code: {"zh": stats.loc[code, "name_zh"], "en": stats.loc[code, "name_en"]} for code in stats.index
        },
        "api": {"gridAt": url_for("api.grid_at"), "grid": url_for("api.grid", code="CODE")},
        "cases": case_pages.page_config(),
    }
    return render_map_page("grid.html", fmap, config, basemap=basemap, district=district, choices=choices, page="grid")
