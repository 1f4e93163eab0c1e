"""/tiles/<layer>/<z>/<x>/<y>.mvt: a layer's vector tile, with the filters of /api/facilities and crs=GCJ02 for
the Amap basemap. Answers 304 from the ETag (the layer's version in the store, and the request) before any work."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from flask import Blueprint, Response, current_app, request

from geo_app.web import context
from geo_app.project import hours
from geo_app.errors import NotFound
from geo_app.web.errors import check_params
from geo_app.features.query import filter_mask, filter_parameters, parse_crs
from geo_app.tiles import MAX_ZOOM, build
from geo_app.web.api.facilities import layer_spec

bp = Blueprint("tiles", __name__, url_prefix="/tiles")
MVT = "application/vnd.mapbox-vector-tile"


class TileCache:
    """Tiles made by this process, keyed by their ETag (so a write to the layer retires them), within a budget
    of bytes; the least recently used go first."""

    def __init__(self, budget_bytes: int):
        self.budget, self.used = budget_bytes, 0
        self._tiles: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            data = self._tiles.get(key)
            if data is not None:
                self._tiles.move_to_end(key)
            return data

    def put(self, key: str, data: bytes) -> None:
        with self._lock:
            if key in self._tiles or len(data) > self.budget:
                return
            self._tiles[key] = data
            self.used += len(data)
            while self.used > self.budget:
                self.used -= len(self._tiles.popitem(last=False)[1])


def tile_response(layer: str, z: int, x: int, y: int) -> Response:
    spec = layer_spec(layer, "layer")
    check_params(request.args, {"crs"} | filter_parameters(spec))
    if not request.path.isascii() or not 0 <= z <= MAX_ZOOM or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise NotFound("z/x/y", f"{z}/{x}/{y} is not a tile of WebMercatorQuad (zoom 0..{MAX_ZOOM})")
    output_crs = parse_crs(request.args.get("crs"))
    filters = {k: v for k, v in request.args.items() if k != "crs"}
    store = context.store()
    # open_now depends on the time: such tiles are fresh for the minute they were made in
    minute = hours.now().strftime("%Y%m%d%H%M") if "open_now" in filters else ""
    key = f"{spec.id}/{z}/{x}/{y}?{sorted(request.args.items(multi=True))}{minute}"
    etag = f"{store.table_version(spec.id)}-{hashlib.sha1(key.encode()).hexdigest()[:16]}"
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        cache = current_app.extensions["geo_app"].setdefault(
            "tiles", TileCache(int(current_app.config["TILE_CACHE_BYTES"])))
        data = cache.get(etag)
        if data is None:
            keep = (lambda frame: filter_mask(spec, frame, filters)) if filters else None
            data = build(store, spec, z, x, y, output_crs=output_crs, keep=keep)
            cache.put(etag, data)
        response = Response(data, mimetype=MVT)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "no-cache"        # always revalidate: cheap, and never stale after a write
    return response


@bp.get("/<layer>/<int:z>/<int:x>/<int:y>.mvt")
def tile(layer: str, z: int, x: int, y: int):
    return tile_response(layer, z, x, y)
