"""The data page: where every layer's data comes from, its licence, the JSON endpoints; and a health check."""

from __future__ import annotations

from flask import Blueprint, render_template

from geo_app.store import StoreError
from geo_app.web import context
from geo_app.web.api.common import provenance

bp = Blueprint("home", __name__)


@bp.get("/about")
def about():
    try:
        prov = provenance()
    except StoreError as exc:
        return render_template("about.html", error=str(exc), prov=None, page="about"), 503
    return render_template("about.html", prov=prov, error=None, page="about", demo=bool(prov["demo_layers"]))


@bp.get("/health")
def health():
    store = context.store()
    return {"status": "ok" if store.exists() else "store missing", "store": str(store)}
