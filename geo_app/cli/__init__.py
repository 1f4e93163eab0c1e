"""Command-line tools: `flask --app geo_app <command>` (the Makefile wraps the common ones): the store (store.py),
data into it (data.py), users (users.py)."""

from __future__ import annotations

from flask import Flask

from geo_app.cli import data, store, users


def init_app(app: Flask) -> None:
    for command in (
        store.store_init_command,
        store.build_store_command,
        store.store_info_command,
        store.backup_command,
        store.restore_command,
        store.copy_command,
        data.import_command,
        data.demo_command,
        data.demo_cases_command,
        data.districts_command,
        users.group,
    ):
        app.cli.add_command(command)
