"""The project (layers/) and the store of the running app."""

from __future__ import annotations

from flask import current_app

from geo_app.project import Project
from geo_app.store import Store


def project() -> Project:
    return current_app.extensions["geo_app"]["project"]


def store() -> Store:
    return current_app.extensions["geo_app"]["store"]
