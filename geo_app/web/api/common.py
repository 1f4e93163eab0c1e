"""Helpers shared by the API endpoints: data notices, CSV responses, JSON-safe records."""

from __future__ import annotations

import io
import math

import pandas as pd
from flask import Response

from geo_app.data.tables import SOURCES_TABLE
from geo_app.web import context

DEMO_NOTICE = "示例数据 Demo data: the facility and grid layers are generated for demonstration, not official."


def provenance() -> dict:
    """Where each layer's data comes from, and a notice when any of it is demo data."""
    rows = [{k: v for k, v in row.items() if k != "geometry"} for row in context.store().records(SOURCES_TABLE)]
    demo = [r["layer"] for r in rows if r["demo_features"]]
    return {"data_notice": DEMO_NOTICE if demo else None, "demo_layers": demo, "sources": rows}


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with NaN as null (JSON has no NaN)."""
    out = []
    for row in frame.drop(columns=[c for c in ("geometry",) if c in frame]).to_dict("records"):
        out.append({k: (None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v) for k, v in row.items()})
    return out


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula (=HYPERLINK(...), +cmd, @SUM) start with ' instead,
    which Excel and WPS show as text (OWASP, CSV injection). Numbers are left as they are."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = [
                f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in frame[column]
            ]
    return frame


def csv_response(frame: pd.DataFrame, filename: str) -> Response:
    buffer = io.StringIO()
    spreadsheet_safe(frame).to_csv(buffer, index=False)
    # A BOM so that spreadsheet programs (Excel, WPS) read the Chinese text as UTF-8.
    return Response(
        "\ufeff" + buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
