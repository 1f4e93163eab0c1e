"""GeoPackage geometry blobs (GeoPackage 1.3, clause 2.1.3): a small header, then ISO WKB.

Header: b"GP", version 0, flags (bit 0: little-endian, bits 1-3: envelope kind, bit 4: empty), srs_id (int32),
then the envelope; we always write the [minx, maxx, miny, maxy] envelope (kind 1) for non-empty geometries, as
GDAL does for everything but points.
"""

from __future__ import annotations

import struct

import numpy as np
import shapely

SRS_ID = 4326
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_WITH_ENVELOPE = b"GP\x00\x03" + struct.pack("<i", SRS_ID)
_EMPTY = b"GP\x00\x11" + struct.pack("<i", SRS_ID)


def encode(geometries: np.ndarray) -> list[bytes | None]:
    """GeoPackage blobs of shapely geometries (None stays None)."""
    missing = shapely.is_missing(geometries)
    wkb = shapely.to_wkb(geometries, flavor="iso", byte_order=1)
    bounds = shapely.bounds(geometries)
    empty = shapely.is_empty(geometries) & ~missing
    out: list[bytes | None] = []
    for i in range(len(geometries)):
        if missing[i]:
            out.append(None)
        elif empty[i]:
            out.append(_EMPTY + wkb[i])
        else:
            minx, miny, maxx, maxy = bounds[i]
            out.append(_WITH_ENVELOPE + struct.pack("<4d", minx, maxx, miny, maxy) + wkb[i])
    return out


def _header_length(blob: bytes) -> int:
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry (no GP magic)")
    return 8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 0b111]


def decode(blobs: list) -> np.ndarray:
    """Shapely geometries of GeoPackage blobs (GDAL's and ours)."""
    wkb = [None if b is None else bytes(b)[_header_length(b) :] for b in blobs]
    return shapely.from_wkb(np.array(wkb, dtype=object))


def envelope(blob) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) from the header, or computed from the WKB when the header has none."""
    if blob is None or blob[3] & 0b10000:
        return None
    kind = (blob[3] >> 1) & 0b111
    if kind:
        return struct.unpack("<4d" if blob[3] & 1 else ">4d", bytes(blob[8:40]))
    minx, miny, maxx, maxy = shapely.bounds(shapely.from_wkb(bytes(blob)[8:]))
    return minx, maxx, miny, maxy


def register_functions(connection) -> None:
    """The SQL functions the GeoPackage R-tree triggers call (GDAL's triggers and ours), for plain sqlite3."""

    def part(index):
        def function(blob):
            box = envelope(blob)
            return None if box is None else box[index]

        return function

    for index, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        connection.create_function(name, 1, part(index), deterministic=True)
    connection.create_function(
        "ST_IsEmpty", 1, lambda blob: None if blob is None else int(bool(blob[3] & 0b10000)), deterministic=True
    )
