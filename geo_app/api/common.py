"""Helpers shared by the API endpoints: data notices, CSV responses, JSON-safe records."""
from __future__ import annotations

import io
import math

import pandas as pd
from flask import Response

from .. import context
from ..pipeline import SOURCES_TABLE

DEMO_NOTICE = "示例数据 Demo data: the facility and grid layers are generated for demonstration, not official."


def provenance() -> dict:
    """Where each layer's data comes from, and a notice when any of it is demo data."""
    sources = context.store().read(SOURCES_TABLE)
    rows = records(sources)
    demo = [r["layer"] for r in rows if r["demo_features"]]
    return {"data_notice": DEMO_NOTICE if demo else None, "demo_layers": demo, "sources": rows}


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with NaN as null (JSON has no NaN)."""
    out = []
    for row in frame.drop(columns=[c for c in ("geometry",) if c in frame]).to_dict("records"):
        out.append({k: (None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v) for k, v in row.items()})
    return out


def csv_response(frame: pd.DataFrame, filename: str) -> Response:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    # A BOM so that spreadsheet programs (Excel, WPS) read the Chinese text as UTF-8.
    return Response("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
