"""Basemaps. OpenStreetMap and Tianditu tiles are WGS-84 / CGCS2000 (equal at map accuracy); Amap tiles are GCJ-02,
so on an Amap basemap every layer is sent in GCJ-02 (the pages ask the API with crs=GCJ02). "none" draws no
tiles at all, for an intranet without a tile server."""

from __future__ import annotations

from dataclasses import dataclass

import xyzservices.providers as xyz

from geo_app import crs


@dataclass(frozen=True)
class Basemap:
    id: str
    title: str  # its name's catalogue key
    crs: str
    tiles: tuple = ()  # (url, attribution, options) per tile layer
    needs_key: bool = False


TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)


def available(tianditu_key: str) -> dict[str, Basemap]:
    osm = xyz.OpenStreetMap.Mapnik
    gaode = xyz.Gaode.Normal
    tianditu_attr = '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a>'
    return {
        "osm": Basemap("osm", "basemap.osm", crs.WGS84, ((osm.build_url(), osm.html_attribution, {"maxZoom": 19}),)),
        "amap": Basemap(
            "amap",
            "basemap.amap",
            crs.GCJ02,
            ((gaode.build_url(), gaode.html_attribution, {"maxZoom": 18, "subdomains": "1234"}),),
        ),
        "tianditu": Basemap(
            "tianditu",
            "basemap.tianditu",
            crs.WGS84,
            (
                (
                    TIANDITU.format(s="{s}", layer="vec", key=tianditu_key),
                    tianditu_attr,
                    {"maxZoom": 18, "subdomains": "01234567"},
                ),
                (
                    TIANDITU.format(s="{s}", layer="cva", key=tianditu_key),
                    tianditu_attr,
                    {"maxZoom": 18, "subdomains": "01234567"},
                ),
            )
            if tianditu_key
            else (),
            needs_key=not tianditu_key,
        ),
        "none": Basemap("none", "basemap.none", crs.WGS84),
    }
