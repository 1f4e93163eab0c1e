"""Photos of a case: JPEG or PNG judged by their content (Pillow), never by name or declared type; capped in
bytes and pixels; decoded and encoded again, so that nothing but the pixels is kept (EXIF with its GPS position,
comments, ICC profiles, text chunks, anything appended after the image), at most MAX_SIDE pixels on the long
side."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 8000 x 5000 photo; beyond it decoding alone would take too much memory
# PNG cannot be decoded at a reduced scale as JPEG can: a big one costs seconds and hundreds of MB (a phone's
# screenshot is about 3 MP; photos come as JPEG)
MAX_PNG_PIXELS = 12_000_000
MAX_SIDE = 2560  # kept at most this many pixels on the long side: enough to see the problem
MAX_PER_CASE = 5
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


class PhotoError(ValueError):
    """A photo that cannot be accepted; the message says why."""


@dataclass(frozen=True)
class Photo:
    content_type: str
    width: int
    height: int
    data: bytes


def clean(data: bytes, name: str = "photo") -> Photo:
    """The photo re-encoded without metadata, or PhotoError naming `name` and the reason."""
    if not data:
        raise PhotoError(f"{name} is empty")
    if len(data) > MAX_BYTES:
        raise PhotoError(f"{name} has {len(data):,} bytes, more than the {MAX_BYTES:,} a photo may have")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            kind = "JPEG" if image.format == "MPO" else image.format  # MPO: a phone's JPEG with a preview
            if kind not in FORMATS:
                raise PhotoError(f"{name} is {kind or 'not an image'}, not a JPEG or PNG photo")
            cap = MAX_PIXELS if kind == "JPEG" else MAX_PNG_PIXELS
            if image.width * image.height > cap:
                raise PhotoError(
                    f"{name} has {image.width} x {image.height} pixels, more than the {cap:,} a {kind} photo may have"
                )
            if kind == "JPEG":
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decoded at 1/2, 1/4 or 1/8 scale where that suffices
            image.load()
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(f"{name} is not a JPEG or PNG image (judged by its content)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(f"{name} is a damaged {kind} image: {exc}") from None
    image = ImageOps.exif_transpose(image)  # keep how it looked, then drop the EXIF that said so
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    clean = image.convert("RGB" if kind == "JPEG" or image.mode not in ("RGBA", "LA", "P") else "RGBA")
    clean.info = {}  # Pillow writes a comment or an ICC profile back from here: nothing travels
    if kind == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True)
    else:
        clean.save(out, "PNG")
    return Photo(FORMATS[kind], image.width, image.height, out.getvalue())
