"""Sources -> store: seed the store from layers/, or import one file into one layer.

Both validate everything first (outside any lock) and then write every changed table in one store transaction,
so bad input changes nothing and concurrent writers all land. The per-unit statistics are recomputed inside the
same transaction, from what the store holds then.

The store is the record and layers/ only seeds it: seeding refuses to overwrite imported layers or what people
saved unless forced (the CLI then writes a backup first).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_app.data.ingest import Imported, ImportFailed, Problem, derive_fields, read_layer_file
from geo_app.data.ingest.land import load_water
from geo_app.data.ingest.problems import Collector
from geo_app.data.migrations import migrate
from geo_app.data.tables import REPORT_TABLE, SOURCES_TABLE
from geo_app.features import statistics as stats
from geo_app.features.statistics import GRID_STATS_TABLE, STATS_TABLE
from geo_app.planning import scenarios
from geo_app.project import Project
from geo_app.store import Store, StoreError, Transaction

EXTENT_MARGIN_DEG = 0.1  # about 10 km around the districts: the "outside the city" check


@dataclass
class Outcome:
    layers: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def city_extent(districts: gpd.GeoDataFrame) -> tuple:
    minx, miny, maxx, maxy = districts.total_bounds
    return (minx - EXTENT_MARGIN_DEG, miny - EXTENT_MARGIN_DEG, maxx + EXTENT_MARGIN_DEG, maxy + EXTENT_MARGIN_DEG)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _source_row(
    project: Project,
    layer_id: str,
    frame,
    origin: str,
    files: str,
    crs: str,
    source: str | None = None,
    licence: str | None = None,
) -> dict:
    spec = project.catalog[layer_id]
    prov = spec.provenance
    return {
        "layer": layer_id,
        "title_zh": spec.title_zh,
        "title_en": spec.title_en,
        "kind": prov.get("kind", "") if origin == "catalog" else "imported",
        "source": source or prov.get("source", ""),
        "licence": licence or prov.get("licence", ""),
        "attribution": prov.get("attribution", "") if origin == "catalog" else (source or ""),
        "files": files,
        "crs": crs,
        "features": len(frame),
        "demo_features": int((frame["source"] == "demo").sum()) if "source" in frame else 0,
        "updated_at": _now(),
    }


def user_data(reader) -> list[str]:
    """What a rebuild from layers/ would overwrite or what people made: imported layers and saved scenarios."""
    held = []
    if SOURCES_TABLE in reader.tables():
        sources = reader.read(SOURCES_TABLE, where={"kind": "imported"}, columns=["layer"])
        held += [f"imported layer {name}" for name in sources["layer"]]
    held += [
        f"{reader.count(name)} rows of {name}"
        for name in scenarios.USER_TABLES
        if name in reader.tables() and reader.count(name)
    ]
    return held


def build_store(project: Project, store: Store, *, max_bytes: int, force: bool = False) -> Outcome:
    """Read every layer's sources from layers/, validate, derive, compute statistics, and write them into the
    store (created if missing). Refuses when the store holds imported layers or saved work, unless forced;
    what people saved is kept either way."""
    started = time.perf_counter()
    outcome = Outcome()
    layers: dict[str, gpd.GeoDataFrame] = {}
    sources = []
    catalog = project.catalog
    units_spec = catalog.units_layer
    ordered = [units_spec] + [s for s in catalog.layers.values() if s is not units_spec]
    for spec in ordered:
        parts = []
        districts = layers.get(units_spec.id)
        for src in spec.sources:
            imported = read_layer_file(
                spec,
                src.path,
                crs=src.crs,
                max_bytes=max_bytes,
                districts=districts,
                extent=city_extent(districts) if districts is not None else None,
            )
            outcome.warnings += imported.warnings
            parts.append(imported.frame)
        frame = _concat(spec, parts)
        _refuse_duplicates(spec, frame, ", ".join(s.path.name for s in spec.sources))
        layers[spec.id] = frame
        sources.append(
            _source_row(
                project,
                spec.id,
                frame,
                "catalog",
                ", ".join(str(s.path.relative_to(project.root)) for s in spec.sources),
                ", ".join(sorted({s.crs for s in spec.sources})),
            )
        )
    tables = _with_derived_tables(project, layers, pd.DataFrame(sources))
    if not store.exists():
        store.create()
    migrate(store, project)
    with store.transaction() as tx:
        held = user_data(tx)
        if held and not force:
            raise StoreError(
                f"the store {store} holds {', '.join(held)}: a rebuild from layers/ would overwrite"
                " imported layers. Back it up and force it (`flask build-store --force`), or leave it."
            )
        _write(project, tx, tables)
    outcome.layers = {lid: len(f) for lid, f in layers.items()}
    outcome.seconds = time.perf_counter() - started
    return outcome


def import_file(
    project: Project,
    store: Store,
    layer_id: str,
    path: Path | str,
    *,
    crs: str | None = None,
    fmt: str | None = None,
    append: bool = False,
    source: str | None = None,
    licence: str | None = None,
    max_bytes: int,
    encoding: str | None = None,
) -> Outcome:
    """Replace (or append to) one layer from one file. ImportFailed on any problem; then nothing changed."""
    started = time.perf_counter()
    path = Path(path)
    catalog = project.catalog
    if layer_id not in catalog:
        raise ImportFailed([Problem(path.name, f"unknown layer {layer_id!r}: one of {', '.join(catalog.layers)}")])
    spec = catalog[layer_id]
    if not store.exists():
        raise StoreError(f"the store {store} has not been built: run `make store` before importing")
    units_version = store.table_version(catalog.units_layer.id)
    is_units = spec is catalog.units_layer
    districts = None if is_units else store.read(catalog.units_layer.id)
    imported: Imported = read_layer_file(
        spec,
        path,
        crs=crs,
        fmt=fmt,
        max_bytes=max_bytes,
        source_label=source or path.name,
        encoding=encoding,
        water=None if spec.allow_water else load_water(project.root),
        districts=districts,
        extent=None if districts is None else city_extent(districts),
    )
    grid_id = next((s.id for s in catalog.layers.values() if s.role == "grid"), None)
    # new boundaries or grids change every statistic; any other layer only its own columns
    full = is_units or layer_id == grid_id
    with store.transaction() as tx:
        wanted = set(catalog.layers) if full else {catalog.units_layer.id, grid_id, layer_id}
        layers = {lid: tx.read(lid) for lid in catalog.layers if lid in wanted and lid in tx.tables()}
        frame = imported.frame
        if not is_units and tx.table_version(catalog.units_layer.id) != units_version:
            # the boundaries changed while this file was validated: derive its districts again
            log = Collector(path.name)
            frame = derive_fields(
                spec, frame, layers[catalog.units_layer.id], log, [f"feature {i + 1}" for i in range(len(frame))]
            )
            log.raise_if_any()
        if append and layer_id in layers:
            frame = _concat(spec, [layers[layer_id], frame])
        _refuse_duplicates(spec, frame, path.name)
        layers[layer_id] = frame
        changed = {layer_id: frame}
        if is_units:
            # New boundaries move every feature's district: derive again, and refuse if any now falls outside.
            for other in catalog.layers.values():
                if (
                    other is not spec
                    and other.id in layers
                    and any(f.derived == "adcode" for f in other.fields.values())
                ):
                    log = Collector(f"{other.id} (after the new boundaries)")
                    layers[other.id] = derive_fields(
                        other, layers[other.id], frame, log, [f"feature {i + 1}" for i in range(len(layers[other.id]))]
                    )
                    log.raise_if_any()
                    changed[other.id] = layers[other.id]
        previous = tx.read(SOURCES_TABLE)
        row = _source_row(
            project, layer_id, frame, "import", path.name, imported.crs, source or path.name, licence or "not stated"
        )
        sources = pd.concat([previous[previous["layer"] != layer_id], pd.DataFrame([row])], ignore_index=True)
        if full:
            tables = _with_derived_tables(project, layers, sources, only=changed)
        else:
            tables = _with_derived_tables(
                project, {lid: layers[lid] for lid in wanted if lid in layers}, sources, only=changed, previous=tx
            )
        _write(project, tx, tables)
    return Outcome({layer_id: len(frame)}, imported.warnings, time.perf_counter() - started)


def _write(project: Project, tx: Transaction, tables: dict) -> None:
    """Replace each table, with indexes on what services look rows up by."""
    catalog = project.catalog
    for name, frame in tables.items():
        keys = (catalog[name].id_field,) if name in catalog else ("code",) if "code" in frame else ()
        tx.replace(name, frame, indexes=keys + (("adcode",) if "adcode" in frame and "adcode" not in keys else ()))


def _with_derived_tables(
    project: Project, layers: dict, sources: pd.DataFrame, only: dict | None = None, previous=None
) -> dict:
    """The changed layers (`only`, default all) with the statistics, report and sources tables. With `previous`
    (a reader of the stored statistics) only the columns of the given layers are computed again."""
    tables = dict(only if only is not None else layers)
    tables[REPORT_TABLE] = project.report
    district = stats.compute(layers, project.catalog, project.units, project.standards, project.report)
    grid = stats.grid_counts(layers, project.catalog)
    if previous is not None:
        district = stats.merged(previous.read(STATS_TABLE), district, "code")
        grid = stats.merged(previous.read(GRID_STATS_TABLE), grid, "code")
    tables[STATS_TABLE], tables[GRID_STATS_TABLE] = district, grid
    tables[SOURCES_TABLE] = sources
    return tables


def _concat(spec, parts: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    if not parts:
        columns = list(spec.fields) + ["geometry"]
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=4326)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=4326)


def _refuse_duplicates(spec, frame: gpd.GeoDataFrame, file: str) -> None:
    duplicated = frame[spec.id_field][frame[spec.id_field].duplicated()]
    if not duplicated.empty:
        ids = ", ".join(map(str, duplicated.unique()[:10]))
        raise ImportFailed(
            [Problem(file, f"duplicate ids with features already in the layer: {ids}", field=spec.id_field)],
            total=len(duplicated),
        )
