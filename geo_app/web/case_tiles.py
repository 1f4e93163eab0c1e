"""/tiles/cases/<z>/<x>/<y>.mvt: the cases as vector tiles, for the supervisor map (/grid) at any density.

The cases are a source of the tile engine (geo_app/tiles: WebMercatorQuad, server clusters where a tile holds
more than CLUSTER_ABOVE points below SINGLE_FROM_ZOOM, crs=GCJ02 for the Amap basemap), read through the cases
table's spatial index, and served as every layer's tiles are (web/tiles.py). Tiles are public: they carry only
what styling and filtering need (id, class, kind, status, overdue, grid, rework count), never the reporter, the
description, the address or the token; a tap fetches the case by id (/api/cases/<id>), which hides the people
from anonymous readers.

Filters: `status` (comma list; default the open statuses), `service_code`, `grid_code` (comma lists) and
`overdue=true`. Whether a case is overdue depends on the time: a tile is fresh for the minute it was made in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint

from geo_app import crs
from geo_app.cases import lifecycle
from geo_app.cases.tables import CASES
from geo_app.errors import BadParameter
from geo_app.store import Reader
from geo_app.tiles import points_tile, read_box
from geo_app.web.api.cases import search_filters
from geo_app.web.tiles import Asked, tile_response

bp = Blueprint("case_tiles", __name__, url_prefix="/tiles")
LAYER = "cases"  # the layer's name inside the tile, as the pages' tile layers expect
CARRIED = ["id", "service_code", "kind", "status", "grid_code", "rework_count", "due_at"]
PARAMS = {"crs", "status", "service_code", "grid_code", "overdue"}
MAX_TILE_CASES = 20_000  # read at most this many (+1) for a tile: closed cases pile up without end


def tile_filters(args) -> tuple[dict, bool]:
    """The store filter of a tile request and whether only overdue cases are wanted."""
    checked = search_filters(args)  # status, service_code, grid_code: checked as /api/cases checks them
    where = {
        "status": checked.get("status", list(lifecycle.OPEN)),
        **{name: checked[name] for name in ("service_code", "grid_code") if name in checked},
    }
    overdue = args.get("overdue")
    if overdue not in (None, "true"):
        raise BadParameter("overdue", f"{overdue[:20]!r}: the only value is true")
    return where, overdue == "true"


@dataclass(frozen=True)
class CaseSource:
    """The cases matching a request's filters, whether overdue at `now` (a stamp)."""

    where: dict
    only_overdue: bool
    now: str
    table = CASES

    def build(self, store: Reader, z: int, x: int, y: int, *, output_crs: str = crs.WGS84) -> bytes:
        """The cases in the tile, or clusters of them where they are dense; 400 when more than MAX_TILE_CASES
        match (the read stops there)."""
        rows = store.records(
            CASES, bbox=read_box(z, x, y, output_crs), where=self.where, columns=CARRIED, limit=MAX_TILE_CASES + 1
        )
        if len(rows) > MAX_TILE_CASES:
            raise BadParameter(
                "z/x/y",
                f"more than {MAX_TILE_CASES:,} cases in tile {z}/{x}/{y}: zoom in, or "
                "filter by status, service_code or grid_code",
            )
        rows = [r for r in rows if r["geometry"] is not None]
        for row in rows:
            due = row.pop("due_at")
            row["overdue"] = due is not None and due < self.now
        if self.only_overdue:
            rows = [r for r in rows if r["overdue"]]
        geometries = [r.pop("geometry") for r in rows]
        return points_tile(LAYER, geometries, rows, z, x, y, output_crs=output_crs)


def asked(args) -> Asked:
    where, only_overdue = tile_filters(args)
    now = lifecycle.stamp(datetime.now(UTC))
    return Asked(CaseSource(where, only_overdue, now), minute=now[:16])


@bp.get("/cases/<int:z>/<int:x>/<int:y>.mvt")
def case_tile(z: int, x: int, y: int):
    return tile_response(z, x, y, PARAMS, asked)
