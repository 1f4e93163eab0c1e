"""OGC API - Features (Part 1: Core, GeoJSON, OpenAPI 3.0) and - Tiles (vector tiles, WebMercatorQuad) under
/ogc, one collection per catalog layer.

Coordinates are CRS84 (lon, lat WGS-84). Items take bbox, limit (default 100, at most 10 000: larger values are
reduced to the maximum, as the standard allows), offset for paging (next/prev links), and the catalog-field
filters of geo_app.features. Any other parameter is answered 400.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, request

from geo_app.errors import BadParameter, NotFound
from geo_app.features.query import features, filter_parameters, parse_bbox, query, record_features
from geo_app.tiles import MAX_ZOOM, TMS, tile_fields
from geo_app.web import context
from geo_app.web.api.common import provenance
from geo_app.web.api.facilities import integer, layer_spec
from geo_app.web.errors import check_params
from geo_app.web.links import public_url
from geo_app.web.tiles import MVT, layer_tile_response

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

GEOJSON = "application/geo+json"
JSON = "application/json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT, MAX_LIMIT = 100, 10_000
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
]
TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
TILESETS_REL = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"


def _respond(body: dict, mimetype: str = JSON) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), mimetype=mimetype)


def _link(endpoint: str, rel: str, mimetype: str, title: str = "", **values) -> dict:
    link = {"href": public_url(endpoint, **values), "rel": rel, "type": mimetype}
    if title:
        link["title"] = title
    return link


def _check_format():
    if request.args.get("f", "json") not in ("json", "geojson"):
        raise BadParameter("f", f"{request.args['f']!r}: this service answers f=json only")


@bp.get("")
@bp.get("/")
def landing():
    check_params(request.args, {"f"})
    _check_format()
    return _respond(
        {
            "title": "苏州市市容市政 OGC API - Features",
            "description": "Suzhou city-management layers",
            "links": [
                _link("ogc.landing", "self", JSON, "this document"),
                _link(
                    "ogc.openapi", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "the API definition"
                ),
                _link("ogc.conformance", "conformance", JSON, "conformance classes"),
                _link("ogc.collections", "data", JSON, "the collections"),
            ],
        }
    )


@bp.get("/conformance")
def conformance():
    check_params(request.args, {"f"})
    _check_format()
    return _respond({"conformsTo": CONFORMANCE})


def _collection(spec) -> dict:
    extent = context.store().extent(spec.id)
    prov = spec.provenance
    return {
        "id": spec.id,
        "title": f"{spec.title_zh} {spec.title_en}",
        "description": f"{prov.get('source', '')}. Licence: {prov.get('licence', '')}."
        + (" 示例数据 Demo data, not official." if spec.is_demo else ""),
        "extent": {
            "spatial": {"bbox": [[round(v, 6) for v in extent] if extent else [-180, -90, 180, 90]], "crs": CRS84}
        },
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            _link("ogc.collection", "self", JSON, spec.title_en, collection_id=spec.id),
            _link("ogc.items", "items", GEOJSON, f"{spec.title_en} items", collection_id=spec.id),
            _link("ogc.tilesets", TILESETS_REL, JSON, f"{spec.title_en} vector tiles", collection_id=spec.id),
        ],
    }


@bp.get("/collections")
def collections():
    check_params(request.args, {"f"})
    _check_format()
    catalog = context.project().catalog
    return _respond(
        {
            "links": [_link("ogc.collections", "self", JSON)],
            "collections": [_collection(spec) for spec in catalog.layers.values()],
        }
    )


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    check_params(request.args, {"f"})
    _check_format()
    return _respond(_collection(layer_spec(collection_id, "collectionId")))


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    spec = layer_spec(collection_id, "collectionId")
    check_params(request.args, {"bbox", "limit", "offset", "f"} | filter_parameters(spec))
    _check_format()
    limit = min(integer("limit", DEFAULT_LIMIT, 1, 10**9), MAX_LIMIT)
    offset = integer("offset", 0, 0, 10**9)
    bbox = parse_bbox(request.args["bbox"]) if "bbox" in request.args else None
    filters = {k: v for k, v in request.args.items() if k not in {"bbox", "limit", "offset", "f"}}
    matched, records = query(context.store(), spec, filters, bbox=bbox, limit=limit, offset=offset)
    page = record_features(spec, records)
    args = {k: v for k, v in request.args.items() if k not in ("offset", "limit")}
    links = [
        _link("ogc.items", "self", GEOJSON, collection_id=spec.id, offset=offset, limit=limit, **args),
        _link("ogc.collection", "collection", JSON, collection_id=spec.id),
    ]
    if offset + limit < matched:
        links.append(
            _link(
                "ogc.items",
                "next",
                GEOJSON,
                "next page",
                collection_id=spec.id,
                offset=offset + limit,
                limit=limit,
                **args,
            )
        )
    if offset > 0:
        links.append(
            _link(
                "ogc.items",
                "prev",
                GEOJSON,
                "previous page",
                collection_id=spec.id,
                offset=max(0, offset - limit),
                limit=limit,
                **args,
            )
        )
    body = {
        "type": "FeatureCollection",
        "features": page,
        "numberMatched": matched,
        "numberReturned": len(page),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "links": links,
    }
    if spec.is_demo:
        body["data_notice"] = provenance()["data_notice"]
    return _respond(body, GEOJSON)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    spec = layer_spec(collection_id, "collectionId")
    check_params(request.args, {"f"})
    _check_format()
    row = context.store().read(spec.id, where={spec.id_field: feature_id})
    if row.empty:
        raise NotFound("featureId", f"no feature {feature_id!r} in {spec.id}")
    feature = features(spec, row)[0]
    feature["links"] = [
        _link("ogc.item", "self", GEOJSON, collection_id=spec.id, feature_id=feature_id),
        _link("ogc.collection", "collection", JSON, collection_id=spec.id),
    ]
    return _respond(feature, GEOJSON)


@bp.get("/tileMatrixSets")
def tile_matrix_sets():
    check_params(request.args, {"f"})
    _check_format()
    return _respond(
        {
            "tileMatrixSets": [
                {
                    "id": TMS_ID,
                    "title": TMS.title or TMS_ID,
                    "uri": TMS_URI,
                    "links": [_link("ogc.tile_matrix_set", "self", JSON, TMS_ID, tms_id=TMS_ID)],
                }
            ]
        }
    )


@bp.get("/tileMatrixSets/<tms_id>")
def tile_matrix_set(tms_id: str):
    check_params(request.args, {"f"})
    _check_format()
    if tms_id != TMS_ID:
        raise NotFound("tileMatrixSetId", f"{tms_id!r}: this service tiles in {TMS_ID} only")
    return _respond(TMS.model_dump(mode="json", exclude_none=True))


def _tileset(spec) -> dict:
    template = (
        public_url("ogc.collection", collection_id=spec.id) + f"/tiles/{TMS_ID}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"
    )
    return {
        "title": f"{spec.title_zh} {spec.title_en}",
        "dataType": "vector",
        "tileMatrixSetURI": TMS_URI,
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "layers": [
            {
                "id": spec.id,
                "dataType": "vector",
                "geometryDimension": {"Point": 0, "LineString": 1}.get(spec.geometry_type, 2),
                "minTileMatrix": str(spec.style.get("min_zoom", 0)),
                "maxTileMatrix": str(MAX_ZOOM),
                "propertiesSchema": {
                    "type": "object",
                    "properties": {
                        name: {
                            "type": {
                                "string": "string",
                                "integer": "integer",
                                "number": "number",
                                "boolean": "boolean",
                            }[spec.fields[name].type]
                        }
                        for name in tile_fields(spec)
                    },
                },
            }
        ],
        "links": [
            _link("ogc.tileset", "self", JSON, f"{spec.title_en} tiles", collection_id=spec.id, tms_id=TMS_ID),
            _link(
                "ogc.tile_matrix_set",
                "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                JSON,
                TMS_ID,
                tms_id=TMS_ID,
            ),
            _link("ogc.collection", "collection", JSON, spec.title_en, collection_id=spec.id),
            {"href": template, "rel": "item", "type": MVT, "templated": True, "title": "a vector tile"},
        ],
    }


@bp.get("/collections/<collection_id>/tiles")
def tilesets(collection_id: str):
    check_params(request.args, {"f"})
    _check_format()
    spec = layer_spec(collection_id, "collectionId")
    summary = {
        k: v for k, v in _tileset(spec).items() if k in ("title", "dataType", "crs", "tileMatrixSetURI", "links")
    }
    summary["links"] = [link for link in summary["links"] if link["rel"] != "item"]
    return _respond({"links": [_link("ogc.tilesets", "self", JSON, collection_id=spec.id)], "tilesets": [summary]})


@bp.get("/collections/<collection_id>/tiles/<tms_id>")
def tileset(collection_id: str, tms_id: str):
    check_params(request.args, {"f"})
    _check_format()
    spec = layer_spec(collection_id, "collectionId")
    if tms_id != TMS_ID:
        raise NotFound("tileMatrixSetId", f"{tms_id!r}: this service tiles in {TMS_ID} only")
    return _respond(_tileset(spec))


@bp.get("/collections/<collection_id>/tiles/<tms_id>/<int:z>/<int:row>/<int:col>")
def collection_tile(collection_id: str, tms_id: str, z: int, row: int, col: int):
    if tms_id != TMS_ID:
        raise NotFound("tileMatrixSetId", f"{tms_id!r}: this service tiles in {TMS_ID} only")
    return layer_tile_response(collection_id, z, col, row)


@bp.get("/api")
def openapi():
    check_params(request.args, {"f"})
    catalog = context.project().catalog
    paths = {
        "/": {"get": {"summary": "Landing page", "responses": {"200": {"description": "links"}}}},
        "/conformance": {"get": {"summary": "Conformance classes", "responses": {"200": {"description": "classes"}}}},
        "/collections": {"get": {"summary": "Collections", "responses": {"200": {"description": "collections"}}}},
    }
    common = [
        {
            "name": "bbox",
            "in": "query",
            "schema": {"type": "array", "items": {"type": "number"}},
            "style": "form",
            "explode": False,
        },
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
    ]
    for spec in catalog.layers.values():
        filters = [
            {"name": name, "in": "query", "schema": {"type": "string"}} for name in sorted(filter_parameters(spec))
        ]
        paths[f"/collections/{spec.id}/items"] = {
            "get": {
                "summary": f"{spec.title_en} features",
                "parameters": common + filters,
                "responses": {"200": {"description": "GeoJSON FeatureCollection", "content": {GEOJSON: {}}}},
            }
        }
        paths[f"/collections/{spec.id}/items/{{featureId}}"] = {
            "get": {
                "summary": f"One {spec.title_en} feature",
                "parameters": [{"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "GeoJSON Feature"}, "404": {"description": "no such feature"}},
            }
        }
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "Suzhou city-management OGC API - Features", "version": "1.0"},
        "servers": [{"url": public_url("ogc.landing").rstrip("/")}],
        "paths": paths,
    }
    return Response(json.dumps(doc, ensure_ascii=False), mimetype="application/vnd.oai.openapi+json;version=3.0")
