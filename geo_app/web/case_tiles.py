"""/tiles/cases/<z>/<x>/<y>.mvt: the cases as vector tiles, for the supervisor map (/grid) at any density.

The same tiles as every other layer's (geo_app/tiles: WebMercatorQuad, server clusters where a tile holds more
than CLUSTER_ABOVE points below SINGLE_FROM_ZOOM, crs=GCJ02 for the Amap basemap), read through the cases
table's spatial index. Tiles are public: they carry only what styling and filtering need (id, class, kind,
status, overdue, grid, rework count), never the reporter, the description, the address or the token; a tap
fetches the case by id (/api/cases/<id>), which hides the people from anonymous readers.

Filters: `status` (comma list; default the open statuses), `service_code`, `grid_code` (comma lists) and
`overdue=true`. Whether a case is overdue depends on the time: a tile is fresh for the minute it was made in."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import numpy as np
import shapely
from flask import Blueprint, Response, request

from geo_app.web import context
from geo_app import crs
from geo_app.errors import BadParameter, NotFound
from geo_app.web.errors import check_params
from geo_app.features.query import parse_crs
from geo_app.tiles import CLUSTER_ABOVE, MAX_ZOOM, SINGLE_FROM_ZOOM, TMS, _clean, _clusters, _mercator, _read_box, encode
from geo_app.cases import lifecycle
from geo_app.web.api.cases import search_filters
from geo_app.cases.tables import CASES

bp = Blueprint("case_tiles", __name__, url_prefix="/tiles")
LAYER = "cases"                 # the layer's name inside the tile, as the pages' tile layers expect
MVT = "application/vnd.mapbox-vector-tile"
CARRIED = ["id", "service_code", "kind", "status", "grid_code", "rework_count", "due_at"]
PARAMS = {"crs", "status", "service_code", "grid_code", "overdue"}


def tile_filters(args) -> tuple[dict, bool]:
    """The store filter of a tile request and whether only overdue cases are wanted."""
    checked = search_filters(args)          # status, service_code, grid_code: checked as /api/cases checks them
    where = {"status": checked.get("status", list(lifecycle.OPEN)),
             **{name: checked[name] for name in ("service_code", "grid_code") if name in checked}}
    overdue = args.get("overdue")
    if overdue not in (None, "true"):
        raise BadParameter("overdue", f"{overdue[:20]!r}: the only value is true")
    return where, overdue == "true"


MAX_TILE_CASES = 20_000      # read at most this many (+1) for a tile: closed cases pile up without end


def build(store, z: int, x: int, y: int, *, output_crs: str, where: dict, only_overdue: bool, now: str) -> bytes:
    """The tile's bytes: the cases in it (filtered), or clusters of them where they are dense; 400 when more
    than MAX_TILE_CASES match (the read stops there)."""
    rows = store.records(CASES, bbox=_read_box(z, x, y, output_crs, 0), where=where, columns=CARRIED,
                         limit=MAX_TILE_CASES + 1)
    if len(rows) > MAX_TILE_CASES:
        raise BadParameter("z/x/y", f"more than {MAX_TILE_CASES:,} cases in tile {z}/{x}/{y}: zoom in, or filter "
                                    "by status, service_code or grid_code")
    rows = [r for r in rows if r["geometry"] is not None]
    for row in rows:
        due = row.pop("due_at")
        row["overdue"] = due is not None and due < now
    if only_overdue:
        rows = [r for r in rows if r["overdue"]]
    geometries = np.array([r.pop("geometry") for r in rows], dtype=object)
    if output_crs != crs.WGS84 and len(geometries):
        geometries = np.asarray(crs.transform_geometry(geometries, crs.WGS84, output_crs))
    left, bottom, right, top = TMS.xy_bounds(x, y, z)
    metric = _mercator(geometries) if len(geometries) else np.array([], dtype=object)
    xy = shapely.get_coordinates(metric)
    inside = (xy[:, 0] >= left) & (xy[:, 0] < right) & (xy[:, 1] >= bottom) & (xy[:, 1] < top)
    metric = metric[inside]
    if len(metric) > CLUSTER_ABOVE and z < SINGLE_FROM_ZOOM:
        features = _clusters(metric, (left, bottom, right, top))
    else:
        features = [{"geometry": g, "properties": _clean(p)}
                    for g, p in zip(metric, [r for r, i in zip(rows, inside) if i])]
    return encode(LAYER, features, (left, bottom, right, top))


@bp.get("/cases/<int:z>/<int:x>/<int:y>.mvt")
def case_tile(z: int, x: int, y: int):
    check_params(request.args, PARAMS)
    if not request.path.isascii() or not 0 <= z <= MAX_ZOOM or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise NotFound("z/x/y", f"{z}/{x}/{y} is not a tile of WebMercatorQuad (zoom 0..{MAX_ZOOM})")
    output_crs = parse_crs(request.args.get("crs"))
    where, only_overdue = tile_filters(request.args)
    store = context.store()
    now = lifecycle.stamp(datetime.now(timezone.utc))
    key = f"{z}/{x}/{y}?{sorted(request.args.items(multi=True))}{now[:16]}"
    etag = f"{store.table_version(CASES)}-{hashlib.sha1(key.encode()).hexdigest()[:16]}"
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(build(store, z, x, y, output_crs=output_crs, where=where, only_overdue=only_overdue,
                                  now=now), mimetype=MVT)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    return response
