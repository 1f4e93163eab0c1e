"""Security headers on every response.

The Content-Security-Policy lets a page run only the app's own script files and the inline scripts that carry
this response's nonce (the ones folium emits and the page's map script); inline event handlers and injected
<script> elements do not run. Styles: files from the app and nonce'd <style> elements; style attributes are
allowed (Leaflet and the templates position things with them; they cannot run script). Images: the app, data:
URIs (Leaflet's CSS) and the basemap tile hosts. Nothing may frame a page.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, g

from geo_app.web.basemaps import available

_OPENING_TAG = re.compile(r"<(script|style)\b", re.IGNORECASE)


def nonce() -> str:
    """This request's CSP nonce (made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def with_nonce(html: str) -> str:
    """Trusted, generated HTML (folium's page header) with this request's nonce on each <script> and <style>."""
    return _OPENING_TAG.sub(lambda m: f'<{m.group(1)} nonce="{nonce()}"', html)


def tile_sources(tianditu_key: str) -> list[str]:
    """CSP sources of every basemap's tiles: scheme and host, a {s} subdomain label becoming *."""
    sources = []
    for basemap in available(tianditu_key).values():
        for url, _, _ in basemap.tiles:
            parts = urlsplit(url)
            labels = parts.netloc.split(".")
            if "{s}" in labels[0]:
                labels[0] = "*"
            source = f"{parts.scheme}://{'.'.join(labels)}"
            if source not in sources:
                sources.append(source)
    return sources


def policy(script_nonce: str | None, tiles: list[str]) -> str:
    nonce_source = f" 'nonce-{script_nonce}'" if script_nonce else ""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self'{nonce_source}",
            "style-src 'self' 'unsafe-inline'",  # for browsers without the two CSP 3 directives below
            f"style-src-elem 'self'{nonce_source}",
            "style-src-attr 'unsafe-inline'",
            "img-src " + " ".join(["'self'", "data:", *tiles]),
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_app(app: Flask) -> None:
    tiles = tile_sources(app.config["TIANDITU_KEY"])

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = policy(g.get("csp_nonce"), tiles)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # Tile servers (OpenStreetMap's usage policy) want to know the site: the origin, never the full URL.
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        return response

    app.jinja_env.globals["csp_nonce"] = nonce
