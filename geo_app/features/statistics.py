"""Per-unit statistics: facility counts and densities, parking capacity, grids, and service-radius coverage.

All areas and distances in EPSG:4549 metres. Only operational facilities count and cover; the ones under
construction or planned are counted apart. A unit without a boundary (工业园区 until one is imported) gets
its report figures but no computed figures: they are null, with a note, never borrowed from another unit.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo_app import crs
from geo_app.planning.coverage import covered_part
from geo_app.project.catalog import Catalog
from geo_app.project.standards import Standards
from geo_app.project.units import Units

NO_BOUNDARY = "no boundary loaded (无边界数据): computed figures need one"

STATS_TABLE = "district_stats"  # per statistical unit (district, zone), made by the data pipeline
GRID_STATS_TABLE = "grid_stats"  # per grid-patrol area


def _operational(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame[frame["status"] == "operational"] if "status" in frame else frame


def compute(
    layers: dict[str, gpd.GeoDataFrame], catalog: Catalog, units: Units, standards: Standards, report: pd.DataFrame
) -> pd.DataFrame:
    units_layer = catalog.units_layer.id
    boundaries = layers[units_layer].set_index("adcode")
    boundaries_m = crs.metric(boundaries)
    facility_ids = [spec.id for spec in catalog.facility_layers if spec.id in layers]
    grid_ids = [spec.id for spec in catalog.layers.values() if spec.role == "grid" and spec.id in layers]
    metric_facilities = {lid: crs.metric(_operational(layers[lid])) for lid in facility_ids}
    rows = []
    for code, unit in units.units.items():
        has_boundary = code in boundaries.index
        row = {
            "code": code,
            "name_zh": unit.name_zh,
            "name_en": unit.name_en,
            "kind": unit.kind,
            "has_boundary": has_boundary,
            "boundary_note": "" if has_boundary else NO_BOUNDARY,
            "area_km2": round(float(boundaries_m.loc[code].geometry.area) / 1e6, 2) if has_boundary else None,
        }
        own = report[(report["scope_kind"] == "unit") & (report["scope_units"] == code)]
        row["report_figures"] = len(own)
        in_scope = sum(code in units.split(",") for units in report["scope_units"])
        row["report_group_figures"] = in_scope - len(own)
        for lid in facility_ids + grid_ids:
            frame = layers[lid]
            in_unit = frame[frame["adcode"] == code] if has_boundary else frame.iloc[0:0]
            operational = _operational(in_unit)
            row[f"{lid}_count"] = len(operational) if has_boundary else None
            if lid in facility_ids:
                row[f"{lid}_in_progress"] = len(in_unit) - len(operational) if has_boundary else None
            row[f"{lid}_per_km2"] = round(len(operational) / row["area_km2"], 3) if has_boundary else None
            if "capacity" in frame.columns and lid in facility_ids:
                row[f"{lid}_capacity"] = int(operational["capacity"].fillna(0).sum()) if has_boundary else None
        for lid in standards.layers_with_radius:
            if lid not in metric_facilities:
                continue
            radius = standards.radius(lid, code)
            district_m = boundaries_m.loc[code].geometry if has_boundary else None
            row[f"{lid}_radius_m"] = radius.metres
            row[f"{lid}_district_area_coverage_pct"] = (
                round(
                    100
                    * covered_part(metric_facilities[lid].geometry, district_m, radius.metres).area
                    / district_m.area,
                    2,
                )
                if has_boundary and district_m.area
                else None
            )
        rows.append(row)
    return _with_parking_total(with_integer_counts(pd.DataFrame(rows)))


PARKING_CAPACITIES = ("parking_lots_capacity", "street_parking_capacity")


def _with_parking_total(frame: pd.DataFrame) -> pd.DataFrame:
    present = [c for c in PARKING_CAPACITIES if c in frame]
    if present:
        total = frame[present].sum(axis=1, min_count=1).astype("Int64")
        frame["parking_capacity_total"] = total.where(frame["has_boundary"].astype(bool), pd.NA)
    return frame


def merged(previous: pd.DataFrame, fresh: pd.DataFrame, key: str) -> pd.DataFrame:
    """`previous` (a statistics table as stored) with every column `fresh` computed taken from `fresh`: after an
    import only the imported layer's columns are computed again."""
    out = previous.set_index(key)
    fresh = fresh.set_index(key).reindex(out.index)
    for column in fresh.columns:
        out[column] = fresh[column]
    out = with_integer_counts(out.reset_index())
    return _with_parking_total(out) if "has_boundary" in out else out


def with_integer_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts and capacities as nullable integers (a store may hand back floats for integer columns with nulls)."""
    counts = [c for c in frame.columns if c.endswith(("_count", "_in_progress", "_capacity", "_capacity_total"))]
    return frame.astype({c: "Int64" for c in counts})


def describe_columns(catalog: Catalog, standards: Standards) -> dict[str, dict]:
    """What every statistics column means, with its unit (for tables, legends and the CSV's readers)."""
    out = {
        "code": {"zh": "区划代码", "en": "Division code"},
        "area_km2": {"zh": "面积", "en": "Area (EPSG:4549)", "unit": "km²"},
        "report_figures": {"zh": "本区报告数据条数", "en": "Report figures scoped to this unit", "unit": "rows"},
        "report_group_figures": {
            "zh": "所属组合报告数据条数",
            "en": "Report figures of groups containing this unit",
            "unit": "rows",
        },
        "parking_capacity_total": {"zh": "停车泊位合计", "en": "Parking berths, lots and on-street", "unit": "berths"},
    }
    for spec in catalog.layers.values():
        if spec.role == "units":
            continue
        out[f"{spec.id}_count"] = {
            "zh": f"{spec.title_zh}数量",
            "en": f"{spec.title_en} (operational)",
            "unit": "count",
        }
        out[f"{spec.id}_per_km2"] = {"zh": f"{spec.title_zh}密度", "en": f"{spec.title_en} per km²", "unit": "per km²"}
        if spec.role == "facility":
            out[f"{spec.id}_in_progress"] = {
                "zh": f"{spec.title_zh}(在建/规划)",
                "en": f"{spec.title_en} under construction or planned",
                "unit": "count",
            }
        if "capacity" in spec.fields and spec.role == "facility":
            out[f"{spec.id}_capacity"] = {
                "zh": f"{spec.title_zh}容量",
                "en": f"{spec.title_en}: {spec.fields['capacity'].label_en}",
                "unit": spec.fields["capacity"].label_zh,
            }
    for lid in standards.layers_with_radius:
        if lid in catalog:
            title = catalog[lid]
            radius = standards.radius(lid)
            out[f"{lid}_radius_m"] = {
                "zh": f"{title.title_zh}服务半径",
                "en": f"{title.title_en}: service radius",
                "unit": "m",
                "source": radius.source,
            }
            out[f"{lid}_district_area_coverage_pct"] = {
                "zh": f"{title.title_zh}服务半径覆盖率(占辖区面积)",
                "en": f"{title.title_en}: share of the district's area within the service radius",
                "unit": "%",
            }
    return out


def grid_counts(layers: dict[str, gpd.GeoDataFrame], catalog: Catalog) -> pd.DataFrame:
    """Per grid: district, area, and per facility layer the operational facilities inside it, with how the grid
    stands among its district's grids (rank, the district's grids' facilities per km²), so that a supervisor's
    comparison is one row to read. Lines count in the grid holding their midpoint."""
    grid_ids = [spec.id for spec in catalog.layers.values() if spec.role == "grid" and spec.id in layers]
    if not grid_ids:
        return pd.DataFrame()
    grid_layer = catalog[grid_ids[0]]
    grids = layers[grid_layer.id][[grid_layer.id_field, "adcode", "geometry"]]
    out = pd.DataFrame(
        {
            "code": grids[grid_layer.id_field].to_numpy(),
            "adcode": grids["adcode"].to_numpy(),
            "area_km2": (crs.metric(grids).area / 1e6).round(4).to_numpy(),
        }
    )
    district_area = out.groupby("adcode")["area_km2"].transform("sum")
    for spec in catalog.facility_layers:
        if spec.id not in layers:
            continue
        anchors = _operational(layers[spec.id])
        anchors = gpd.GeoDataFrame(geometry=anchors.geometry.representative_point(), crs=4326)
        joined = gpd.sjoin(anchors, grids, predicate="within")
        counts = joined.groupby(grid_layer.id_field).size()
        column = f"{spec.id}_count"
        out[column] = out["code"].map(counts).fillna(0).astype(int)
        out[f"{spec.id}_rank_in_district"] = (
            out.groupby("adcode")[column].rank(method="min", ascending=False).astype(int)
        )
        out[f"{spec.id}_district_per_km2"] = (out.groupby("adcode")[column].transform("sum") / district_area).round(2)
    return out
