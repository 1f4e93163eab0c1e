"""JSON (and CSV) endpoints under /api."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from . import coverage, districts, facilities, grids, layers, plan, report  # noqa: E402,F401  (routes register on bp)
