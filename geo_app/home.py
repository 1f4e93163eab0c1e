"""The start page: what the service offers so far, where its data comes from, and the demo notice."""
from __future__ import annotations

from flask import Blueprint, render_template

from . import context
from .api.common import provenance
from .store import StoreError

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    try:
        prov = provenance()
    except StoreError as exc:
        return render_template("index.html", error=str(exc), prov=None), 503
    return render_template("index.html", prov=prov, catalog=context.project().catalog, error=None)


@bp.get("/health")
def health():
    store = context.store()
    return {"status": "ok" if store.exists() else "store missing", "store": str(getattr(store, "path", ""))}
