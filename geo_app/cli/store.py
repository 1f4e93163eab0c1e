"""`flask --app geo_app store-init | build-store | store-info | store-backup | store-restore | store-copy`:
the store's life on the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from geo_app.data import demo_cases as case_demo
from geo_app.data.ingest import ImportFailed
from geo_app.data.migrations import migrate
from geo_app.data.pipeline import build_store, user_data
from geo_app.store import StoreError, open_store
from geo_app.store.copy import copy_store
from geo_app.web import context


def max_bytes() -> int:
    return int(current_app.config["MAX_IMPORT_BYTES"])


def report(outcome) -> None:
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
        outcome = build_store(context.project(), store, max_bytes=max_bytes())
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from None
    report(outcome)
    click.echo(f"created {store} from layers/ in {outcome.seconds:.1f} s")
    load_demo_cases(store, case_demo.DEMO_CASES, case_demo.SEED, case_demo.today())


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
        outcome = build_store(context.project(), store, max_bytes=max_bytes(), force=force)
    except (ImportFailed, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    report(outcome)
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


def load_demo_cases(store, count: int, seed: int, as_of) -> None:
    """`count` calibrated demo cases (H1 2018) and the fresh open ones waiting on the day `as_of`."""
    try:
        done = case_demo.load(store, context.project(), count, seed=seed, as_of=as_of, progress=click.echo)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"loaded {done['cases']:,} demo cases, {done['fresh']:,} open ones as of {as_of} and "
        f"{done['events']:,} history rows in {done['total_s']} s"
    )
