"""Checks on text that strangers give: names from requests and text values from imported files."""
from __future__ import annotations

import unicodedata

from ..errors import BadParameter

# Explicit direction marks, embeddings, overrides and isolates: they make "exe.txt" display as "txt.exe".
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
NAME_MAX_LENGTH = 100


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
