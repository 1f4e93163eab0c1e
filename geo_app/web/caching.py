"""HTTP efficiency: compression (brotli or gzip, by Flask-Compress) of HTML, JSON, GeoJSON, CSV and vector tiles,
and conditional GETs: every successful GET of data carries an ETag of its content and `Cache-Control: no-cache`
(clients revalidate, so nothing is stale after a write), and a matching If-None-Match is answered 304, no body."""

from __future__ import annotations

from flask import Flask, request
from flask_compress import Compress

COMPRESSED = [
    "text/html",
    "text/css",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "application/vnd.oai.openapi+json",
    "application/vnd.mapbox-vector-tile",
]
CONDITIONAL = {"application/json", "application/geo+json", "text/csv", "application/vnd.oai.openapi+json"}

compress = Compress()


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 512)
    compress.init_app(app)

    # registered after compression, so it runs before it (Flask runs these last-registered first): the weak ETag
    # is of the content, the same for every encoding
    @app.after_request
    def conditional(response):
        if (
            request.method == "GET"
            and response.status_code == 200
            and "ETag" not in response.headers
            and response.mimetype in CONDITIONAL
            and not response.direct_passthrough
        ):
            response.add_etag(weak=True)
            response.headers.setdefault("Cache-Control", "no-cache")
            response.make_conditional(request)
        return response
