"""Vector tile endpoints, one helper for all (tile_response): /tiles/<layer>/<z>/<x>/<y>.mvt, a layer's tiles
with the filters of /api/facilities, here; /tiles/cases/<z>/<x>/<y>.mvt in case_tiles.py; the OGC API tiles (ogc.py).
Every tile takes crs=GCJ02 for the Amap basemap, and is answered 304 from its ETag (the version of its table in
the store, and the request) before any work."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, request

from geo_app.errors import NotFound
from geo_app.features.query import filter_mask, filter_parameters, parse_crs
from geo_app.project import hours
from geo_app.tiles import MAX_ZOOM, LayerSource, Source, TileCache, is_tile
from geo_app.web import context
from geo_app.web.api.facilities import layer_spec
from geo_app.web.errors import check_params

bp = Blueprint("tiles", __name__, url_prefix="/tiles")
MVT = "application/vnd.mapbox-vector-tile"


@dataclass(frozen=True)
class Asked:
    """The tiles a request asks for: their source, with the request's filters, and what names them in the ETag
    besides z/x/y and the query."""

    source: Source
    key: str = ""  # tells the source's tiles from others' (layers: "<layer>/")
    minute: str = ""  # filters that depend on the time (open_now, overdue): a tile is fresh for a minute


def tile_response(z: int, x: int, y: int, parameters: set[str], asked: Callable[..., Asked]) -> Response:
    """A tile of the source that `asked(args)` gives for the request's query (it refuses bad filters), the query
    taking `parameters` (crs among them)."""
    check_params(request.args, parameters)
    if not request.path.isascii() or not is_tile(z, x, y):
        raise NotFound("z/x/y", f"{z}/{x}/{y} is not a tile of WebMercatorQuad (zoom 0..{MAX_ZOOM})")
    output_crs = parse_crs(request.args.get("crs"))
    tiles = asked(request.args)
    store = context.store()
    key = f"{tiles.key}{z}/{x}/{y}?{sorted(request.args.items(multi=True))}{tiles.minute}"
    etag = f"{store.table_version(tiles.source.table)}-{hashlib.sha1(key.encode()).hexdigest()[:16]}"
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        cache = current_app.extensions["geo_app"].setdefault(
            "tiles", TileCache(int(current_app.config["TILE_CACHE_BYTES"]))
        )
        data = cache.get(etag)
        if data is None:
            data = tiles.source.build(store, z, x, y, output_crs=output_crs)
            cache.put(etag, data)
        response = Response(data, mimetype=MVT)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "no-cache"  # always revalidate: cheap, and never stale after a write
    return response


def layer_tile_response(layer: str, z: int, x: int, y: int) -> Response:
    spec = layer_spec(layer, "layer")

    def asked(args) -> Asked:
        filters = {k: v for k, v in args.items() if k != "crs"}
        keep = (lambda frame: filter_mask(spec, frame, filters)) if filters else None
        minute = hours.now().strftime("%Y%m%d%H%M") if "open_now" in filters else ""
        return Asked(LayerSource(spec, keep), key=f"{spec.id}/", minute=minute)

    return tile_response(z, x, y, {"crs"} | filter_parameters(spec), asked)


@bp.get("/<layer>/<int:z>/<int:x>/<int:y>.mvt")
def tile(layer: str, z: int, x: int, y: int):
    return layer_tile_response(layer, z, x, y)
