"""What the case tests share: people with roles, a place inside a grid, CSRF tokens, photos with GPS in EXIF."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from PIL import Image

from geo_app import create_app
from geo_app.auth import users
from tests.conftest import LAYERS, TEST_PASSWORD

DEMO_CASES = 600  # what the `loaded` fixture (conftest) loads
H1 = tuple(f"2018-0{m}" for m in range(1, 7))  # the report's half-year, as summary months


@dataclass
class Place:
    lon: float
    lat: float
    grid: str
    adcode: str


def grid_place(store, index: int = 0) -> Place:
    """A point inside the index-th grid of the store (and the grid's code and district)."""
    grid = store.read("grids", order_by="code", limit=1, offset=index).iloc[0]
    point = grid.geometry.representative_point()
    return Place(point.x, point.y, grid["code"], grid["adcode"])


def outside_grids(store) -> Place:
    """A point in a district but in no grid (a district's far corner)."""
    districts = store.read("districts")
    for _, district in districts.iterrows():
        inner = district.geometry.buffer(-0.01)
        for polygon in getattr(inner, "geoms", [inner]):
            for x, y in [] if polygon.is_empty else polygon.exterior.coords:
                if store.count("grids", bbox=(x, y, x, y)) == 0:
                    return Place(x, y, None, district["adcode"])
    raise AssertionError("every district point lies in a grid")


def person(store, name: str, role: str, **extra) -> str:
    """Add the user (if new) and return a fresh API token of theirs."""
    if users.get(store, name) is None:
        users.add(store, name, role, TEST_PASSWORD, **extra)
    return users.new_token(store, name)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def anonymous_csrf(client) -> str:
    """The CSRF token of the client's (anonymous) session, as a page carries it for its scripts."""
    page = client.get("/about").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def jpeg_with_gps(size=(64, 48)) -> bytes:
    """A JPEG whose EXIF says where it was taken (GPS) and with which camera."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (31.0, 18.0, 30.0), 3: "E", 4: (120.0, 37.0, 10.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(size=(32, 32), **info) -> bytes:
    from PIL import PngImagePlugin

    meta = PngImagePlugin.PngInfo()
    for key, value in info.items():
        meta.add_text(key, value)
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 30)).save(out, "PNG", pnginfo=meta)
    return out.getvalue()


def reports_limited_client(store_path, tmp_path):
    """A test client of an app on `store_path` that takes two anonymous case reports a minute (its rate limits
    are kept in the app, so each such client starts with a full budget)."""
    app = create_app(
        {
            "STORE": str(store_path),
            "LAYERS_DIR": str(LAYERS),
            "TESTING": True,
            "SECRET_KEY_FILE": str(tmp_path / "key"),
            "RATE_LIMIT_REPORTS": "2 per minute",
        }
    )
    return app.test_client()
