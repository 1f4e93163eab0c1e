"""Saved siting scenarios: kept in the store (tables `scenarios` and, for GIS users, `scenario_sites`), so that
they survive restarts and store rebuilds."""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape

from .store import Store

TABLE = "scenarios"
SITES_TABLE = "scenario_sites"
PRESERVED = (TABLE, SITES_TABLE)   # carried over when the store is rebuilt from layers/
SITE_COLUMNS = ["scenario_id", "scenario_name", "number", "adcode", "adds_pct"]


def _tables(store: Store) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    names = store.tables()
    scenarios = store.read(TABLE) if TABLE in names else pd.DataFrame(columns=["id", "name", "created_at", "request", "result"])
    sites = store.read(SITES_TABLE) if SITES_TABLE in names else gpd.GeoDataFrame(columns=SITE_COLUMNS + ["geometry"], geometry="geometry", crs=4326)
    return scenarios, sites


def listing(store: Store) -> list[dict]:
    scenarios, _ = _tables(store)
    out = []
    for row in scenarios.sort_values("created_at", ascending=False).to_dict("records"):
        result = json.loads(row["result"])
        out.append({"id": row["id"], "name": row["name"], "created_at": row["created_at"],
                    "request": json.loads(row["request"]), "before_pct": result["coverage"]["before_pct"],
                    "after_pct": result["coverage"]["after_pct"], "sites": len(result["sites"]["features"])})
    return out


def get(store: Store, scenario_id: str) -> dict | None:
    scenarios, _ = _tables(store)
    row = scenarios[scenarios["id"] == scenario_id]
    if row.empty:
        return None
    row = row.iloc[0]
    return {"id": row["id"], "name": row["name"], "created_at": row["created_at"],
            "request": json.loads(row["request"]), "result": json.loads(row["result"])}


def save(store: Store, name: str, result: dict) -> str:
    scenarios, sites = _tables(store)
    slug = re.sub(r"[^0-9a-z]+", "-", name.lower()).strip("-")[:30] or "scenario"
    scenario_id = f"{slug}-{uuid.uuid4().hex[:8]}"
    row = pd.DataFrame([{"id": scenario_id, "name": name, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "request": json.dumps(result["request"], ensure_ascii=False),
                         "result": json.dumps(result, ensure_ascii=False)}])
    new_sites = gpd.GeoDataFrame(
        [{"scenario_id": scenario_id, "scenario_name": name, **{k: f["properties"][k] for k in ("number", "adcode", "adds_pct")},
          "geometry": shape(f["geometry"])} for f in result["sites"]["features"]],
        columns=SITE_COLUMNS + ["geometry"], geometry="geometry", crs=4326)
    store.write({TABLE: pd.concat([scenarios, row], ignore_index=True),
                 SITES_TABLE: gpd.GeoDataFrame(pd.concat([sites, new_sites], ignore_index=True), geometry="geometry", crs=4326)})
    return scenario_id


def delete(store: Store, scenario_id: str) -> bool:
    scenarios, sites = _tables(store)
    if not (scenarios["id"] == scenario_id).any():
        return False
    store.write({TABLE: scenarios[scenarios["id"] != scenario_id],
                 SITES_TABLE: sites[sites["scenario_id"] != scenario_id]})
    return True
