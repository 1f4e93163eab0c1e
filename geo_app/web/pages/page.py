"""What every map page shares: the basemap choice, a folium map, and folium's documented Flask pattern (render
the figure, then place its header, html and script parts in our own Jinja template)."""

from __future__ import annotations

import folium
from flask import current_app, render_template, request, url_for
from folium.elements import JSCSSMixin
from markupsafe import Markup

from geo_app import crs, texts
from geo_app.checks import parse_number, parse_whole
from geo_app.errors import BadParameter
from geo_app.web import context, i18n
from geo_app.web.api.common import provenance
from geo_app.web.basemaps import Basemap, available
from geo_app.web.headers import with_nonce
from geo_app.web.pages.assets import vectorgrid_url

SUZHOU_CENTRE = (31.30, 120.62)  # lat, lon (WGS-84) for Leaflet


def basemaps() -> dict[str, Basemap]:
    return available(current_app.config["TIANDITU_KEY"])


def chosen_basemap() -> Basemap:
    options = basemaps()
    name = request.args.get("basemap") or current_app.config["DEFAULT_BASEMAP"]
    if name not in options:
        raise BadParameter("basemap", f"{name!r} is not one of {', '.join(options)}")
    if options[name].needs_key:
        raise BadParameter("basemap", "Tianditu needs a key: set GEO_APP_TIANDITU_KEY")
    return options[name]


def new_map(basemap: Basemap, location=SUZHOU_CENTRE, zoom: int = 12, tiles: bool = False) -> folium.Map:
    """A folium map on the basemap; tiles=True loads Leaflet.VectorGrid (vector tiles, static/js/tiles.js) for the
    page's own script."""
    lat, lon = location
    if basemap.crs != crs.WGS84:
        x, y = crs.convert(lon, lat, crs.WGS84, basemap.crs)
        lat, lon = float(y), float(x)
    fmap = folium.Map(
        location=[lat, lon], zoom_start=zoom, tiles=None, control_scale=False, prefer_canvas=True, minZoom=7, maxZoom=19
    )
    for url, attribution, options in basemap.tiles:
        folium.TileLayer(tiles=url, attr=attribution, name=texts.text(basemap.title, "en"), **options).add_to(fmap)
    if tiles:
        fmap.add_child(TileAssets())
    return fmap


class TileAssets(JSCSSMixin):
    """Loads Leaflet.VectorGrid (after Leaflet itself): the dense layers are drawn from /tiles."""

    def __init__(self):
        super().__init__()
        self.default_js = [("vectorgrid", vectorgrid_url())]
        self.default_css = []


def tile_api() -> dict:
    """What static/js/tiles.js requests: a layer's tiles, its count with filters (OGC numberMatched), and one
    feature by id for a popup. LAYER and ID are placeholders the script fills in."""
    return {
        "tiles": url_for("tiles.tile", layer="LAYER", z=0, x=0, y=0).replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt"),
        "items": url_for("ogc.items", collection_id="LAYER"),
        "item": url_for("ogc.item", collection_id="LAYER", feature_id="ID"),
    }


def check_view() -> None:
    """The view every map page keeps in its URL: center=lon,lat and zoom (set by common.js)."""
    center, zoom = request.args.get("center"), request.args.get("zoom")
    if center is not None:
        parts = center.split(",")
        if len(parts) != 2:
            raise BadParameter("center", "give lon,lat, e.g. center=120.62,31.30")
        for part in parts:
            parse_number("center", part)
    if zoom is not None:
        parse_whole("zoom", zoom, 0, 22)


def render_map_page(template: str, fmap: folium.Map, config: dict, **values) -> str:
    check_view()
    root = fmap.get_root()
    root.render()
    basemap = values.pop("basemap")
    config = {
        "mapName": fmap.get_name(),
        "crs": basemap.crs,
        "basemap": basemap.id,
        "lang": i18n.lang(),
        "strings": i18n.strings(),
        "tileApi": tile_api(),
        **config,
    }
    return render_template(
        template,
        map_header=Markup(with_nonce(root.header.render())),
        map_html=Markup(root.html.render()),
        map_script=Markup(root.script.render()),
        page_config=config,
        basemap=basemap,
        basemaps=basemaps(),
        demo=_has_demo(),
        **values,
    )


def layer_summary(spec) -> dict:
    """What a page script needs of a layer: titles, colour, symbol, geometry, and the labels of its fields and of
    their known values in the page language."""
    language = i18n.lang()
    return {
        "id": spec.id,
        "title_zh": spec.title_zh,
        "title_en": spec.title_en,
        "color": spec.style.get("color", "#333"),
        "icon": spec.style.get("icon"),
        "geometry": spec.geometry_type,
        "idField": spec.id_field,
        "minZoom": int(spec.style.get("min_zoom", 0)),
        "fields": {n: (f.label_en if language == "en" else f.label_zh) or n for n, f in spec.fields.items()},
        "values": {
            n: {value: f.label(value, language) for value, _, _ in f.labels} for n, f in spec.fields.items() if f.labels
        },
    }


def _has_demo() -> bool:
    return bool(provenance()["demo_layers"])


def page_globals() -> dict:
    """Template helpers for every page: t() for text, the language, links that keep the current state."""

    def with_args(**changes) -> str:
        args = request.args.to_dict()
        args.update({k: v for k, v in changes.items() if v is not None})
        for key in [k for k, v in changes.items() if v is None]:
            args.pop(key, None)
        from urllib.parse import urlencode

        return request.path + ("?" + urlencode(args) if args else "")

    return {
        "t": i18n.t,
        "lang": i18n.lang(),
        "with_args": with_args,
        "catalog": context.project().catalog,
        "unit_label": i18n.unit,
        "period": i18n.period,
    }


def remember_language(response):
    """A ?lang= choice is kept in a cookie so that links without it stay in that language."""
    chosen = request.args.get("lang")
    if chosen in i18n.LANGUAGES:
        response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax")
    return response
