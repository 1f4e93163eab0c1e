"""Saved siting scenarios: rows in the store (tables `scenarios` and, for GIS users, `scenario_sites`), written
in one transaction each, so that concurrent saves all land and survive restarts, deployments and rebuilds."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape

from geo_app.store import Store

TABLE = "scenarios"
SITES_TABLE = "scenario_sites"
USER_TABLES = (TABLE, SITES_TABLE)  # made by people in the service, not from layers/
SITE_COLUMNS = ["scenario_id", "scenario_name", "number", "adcode", "adds_pct"]


def listing(store: Store, *, limit: int | None = None, offset: int = 0, with_owners: bool = True) -> list[dict]:
    """Saved scenarios, newest first, a page at a time; who saved each only for people logged in."""
    out = []
    for row in store.records(TABLE, order_by="created_at", descending=True, limit=limit, offset=offset):
        result = json.loads(row["result"])
        out.append(
            {
                "id": row["id"],
                "name": row["name"],
                **({"owner": row["owner"]} if with_owners else {}),
                "created_at": row["created_at"],
                "request": json.loads(row["request"]),
                "before_pct": result["coverage"]["before_pct"],
                "after_pct": result["coverage"]["after_pct"],
                "sites": len(result["sites"]["features"]),
            }
        )
    return out


def get(store: Store, scenario_id: str) -> dict | None:
    rows = store.read(TABLE, where={"id": scenario_id})
    if rows.empty:
        return None
    row = rows.iloc[0]
    return {
        "id": row["id"],
        "name": row["name"],
        "owner": row["owner"],
        "created_at": row["created_at"],
        "request": json.loads(row["request"]),
        "result": json.loads(row["result"]),
    }


def save(store: Store, name: str, result: dict, owner: str | None = None) -> str:
    """Store a run under a name; `owner` (the user saving it) may delete it later, besides admins."""
    slug = re.sub(r"[^0-9a-z]+", "-", name.lower()).strip("-")[:30] or "scenario"
    scenario_id = f"{slug}-{uuid.uuid4().hex[:8]}"
    row = pd.DataFrame(
        [
            {
                "id": scenario_id,
                "name": name,
                "owner": owner,
                "created_at": datetime.now(UTC).isoformat(timespec="microseconds"),
                "request": json.dumps(result["request"], ensure_ascii=False),
                "result": json.dumps(result, ensure_ascii=False),
            }
        ]
    )
    sites = gpd.GeoDataFrame(
        [
            {
                "scenario_id": scenario_id,
                "scenario_name": name,
                **{k: f["properties"][k] for k in ("number", "adcode", "adds_pct")},
                "geometry": shape(f["geometry"]),
            }
            for f in result["sites"]["features"]
        ],
        columns=SITE_COLUMNS + ["geometry"],
        geometry="geometry",
        crs=4326,
    )
    with store.transaction() as tx:
        tx.insert(TABLE, row)
        if not sites.empty:
            tx.insert(SITES_TABLE, sites)
    return scenario_id


def delete(store: Store, scenario_id: str) -> bool:
    with store.transaction() as tx:
        if not tx.delete(TABLE, {"id": scenario_id}):
            return False
        tx.delete(SITES_TABLE, {"scenario_id": scenario_id})
    return True
