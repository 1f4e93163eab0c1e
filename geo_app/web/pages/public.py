"""The public facility map (/): toilets, bikes, parking and refuse stations; filters people ask for, the five
nearest to a click or to the user's position, search by name, a legend. All state lives in the URL."""

from __future__ import annotations

from flask import request, url_for

from geo_app.checks import parse_whole
from geo_app.errors import BadParameter
from geo_app.web import context
from geo_app.web.pages import cases as case_pages
from geo_app.web.pages.page import chosen_basemap, layer_summary, new_map, render_map_page

LAYERS = ["toilets", "bike_stations", "parking_lots", "street_parking", "refuse_stations"]
DEFAULT_LAYERS = ["toilets", "bike_stations", "parking_lots"]
# Per layer: (API parameter, control, label's catalogue key, value sent when ticked)
FILTERS = {
    "toilets": [
        ("wheelchair", "check", "page.public.filter.accessible", "yes"),
        ("fee", "check", "page.public.filter.free", "no"),
        ("open_now", "check", "page.public.filter.open_now", "true"),
        ("family_room", "check", "page.public.filter.family_room", "true"),
    ],
    "bike_stations": [
        ("min_num_bikes_available", "check", "page.public.filter.bikes_available", "1"),
        ("min_num_docks_available", "check", "page.public.filter.docks_available", "1"),
        ("min_capacity", "number", "page.public.filter.min_capacity", None),
    ],
    "parking_lots": [
        ("fee", "check", "page.public.filter.free", "no"),
        ("park_ride", "check", "page.public.filter.park_ride", "yes"),
        ("min_capacity", "number", "page.public.filter.min_capacity", None),
    ],
}


def _state() -> dict:
    layers = request.args.get("layers")
    chosen = [l for l in layers.split(",") if l] if layers is not None else list(DEFAULT_LAYERS)
    unknown = [l for l in chosen if l not in LAYERS]
    if unknown:
        raise BadParameter("layers", f"{unknown[0]!r} is not one of {', '.join(LAYERS)}")
    filters = {}
    for layer, controls in FILTERS.items():
        for param, control, _, value in controls:
            given = request.args.get(f"{layer}.{param}")
            if given is None:
                continue
            if control == "number":
                parse_whole(f"{layer}.{param}", given, 0, 10**9)
            if control == "check" and given != value:
                raise BadParameter(f"{layer}.{param}", f"{given!r}: the only value is {value}")
            filters[f"{layer}.{param}"] = given
    return {
        "layers": chosen,
        "filters": filters,
        "center": request.args.get("center"),
        "zoom": request.args.get("zoom"),
        "nearest": request.args.get("nearest", "toilets"),
    }


def public_page() -> str:
    basemap = chosen_basemap()
    state = _state()
    if state["nearest"] not in LAYERS:
        raise BadParameter("nearest", f"{state['nearest']!r} is not one of {', '.join(LAYERS)}")
    fmap = new_map(basemap, tiles=True)
    catalog = context.project().catalog
    layers = [layer_summary(catalog[lid]) for lid in LAYERS]
    config = {
        "layers": layers,
        "state": state,
        "filters": {
            layer: [{"param": p, "control": c, "value": v} for p, c, _, v in controls]
            for layer, controls in FILTERS.items()
        },
        "api": {"facilities": url_for("api.facilities", layer="LAYER"), "nearest": url_for("api.nearest")},
        "cases": case_pages.page_config(),
    }
    return render_map_page(
        "public.html", fmap, config, basemap=basemap, layers=layers, filters=FILTERS, state=state, page="public"
    )
