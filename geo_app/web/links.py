"""Links in answers (OGC, Open311): PUBLIC_BASE_URL + path when the setting is given, else the path alone (a
reference relative to the document, RFC 3986); never built from the request's Host header, which any client can
set."""

from __future__ import annotations

from flask import current_app, url_for


def public_url(endpoint: str, **values) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)
