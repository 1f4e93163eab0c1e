"""Checks on values that strangers give: text (names, descriptions, imported values) and numbers written in
requests. Each refusal is a BadParameter naming the parameter and the reason."""

from __future__ import annotations

import math
import re
import unicodedata

from geo_app.errors import BadParameter

# Explicit direction marks, embeddings, overrides and isolates: they make "exe.txt" display as "txt.exe".
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
NAME_MAX_LENGTH = 100
# Numbers in requests are ASCII only: float() and int() also take other scripts' digits (٣), "1_000", "nan"
# and "inf", and str.isdigit() takes "²", which int() then refuses. Length-bounded (int() fails past 4300 digits).
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,20}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})(?:[eE][+-]?[0-9]{1,3})?", re.ASCII)
_WHOLE = re.compile(r"[0-9]{1,12}", re.ASCII)


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored as a one-line name or value (NUL, control or bidi characters), or None."""
    for position, char in enumerate(text, start=1):
        if char in BIDI_CONTROLS:
            return f"holds the bidirectional control character U+{ord(char):04X} at position {position}"
        if unicodedata.category(char) == "Cc":
            return f"holds the control character U+{ord(char):04X} at position {position}"
    return None


def clean_name(parameter: str, text: str | None, max_length: int = NAME_MAX_LENGTH) -> str:
    """`text` trimmed; BadParameter if it is empty, longer than max_length or holds control characters."""
    name = (text or "").strip()
    if not name or len(name) > max_length:
        raise BadParameter(parameter, f"give a name of 1 to {max_length} characters (this one has {len(name)})")
    problem = text_problem(name)
    if problem:
        raise BadParameter(parameter, problem)
    return name


def check_text(parameter: str, text: str | None, max_length: int, *, lines: bool) -> str:
    """Text from a stranger, trimmed: stored and returned as text (escaping is the page's job), refused if too
    long or holding control characters (newlines and tabs allowed where `lines`) or bidirectional overrides."""
    text = (text or "").strip()
    if len(text) > max_length:
        raise BadParameter(parameter, f"has {len(text)} characters, more than {max_length}")
    allowed = "\n\t" if lines else ""
    for position, char in enumerate(text, start=1):
        if char in BIDI_CONTROLS or (ord(char) < 32 and char not in allowed) or 0x7F <= ord(char) < 0xA0:
            raise BadParameter(parameter, f"holds the control character U+{ord(char):04X} at position {position}")
    return text


def parse_number(parameter: str, text: str) -> float:
    """A decimal number written in ASCII (120.62, -3, 1e3); BadParameter otherwise."""
    if not _DECIMAL.fullmatch(text):
        raise BadParameter(parameter, f"{shown(text)} is not a number (ASCII digits, e.g. 120.62)")
    value = float(text)
    if not math.isfinite(value):
        raise BadParameter(parameter, f"{shown(text)} is not a finite number")
    return value


def parse_whole(parameter: str, text: str, low: int, high: int) -> int:
    """A whole number written in ASCII digits, within low..high; BadParameter otherwise."""
    if not _WHOLE.fullmatch(text):
        raise BadParameter(parameter, f"{shown(text)} is not a whole number (ASCII digits 0-9)")
    value = int(text)
    if not low <= value <= high:
        raise BadParameter(parameter, f"{value} is outside {low}..{high}")
    return value


def shown(text: str, limit: int = 40) -> str:
    """A request value quoted for an error message, cut to `limit` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "…")
