"""Reply phrases (惯用语, layers/case_phrases.toml): the notes staff write again and again at a step, per step and
class, in Chinese and English, offered in the case panel's note field. Checked when loaded: a bad file is a
CaseCatalogError naming the file, the entry and the reason (the steps it names are checked against the lifecycle
by geo_app/cases/service.check_phrases, at start-up)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from geo_app.project.case_classes import CaseCatalog, CaseCatalogError

FILE = "case_phrases.toml"
MAX_PHRASE = 200  # characters: a phrase starts a note (at most 1,000), it does not fill it
_STEP = re.compile(r"^[a-z][a-z_]{1,30}$")
_CLASS = re.compile(r"^[CE][0-9]{2}([0-9]{2})?$")  # a class (C0101) or a major class (C01)
KEYS = {"action", "classes", "zh", "en"}


@dataclass(frozen=True)
class Phrase:
    action: str  # the step it is written at (a lifecycle action)
    classes: tuple[str, ...]  # the classes it fits: codes or major classes (C01); empty: every class
    zh: str
    en: str

    def fits(self, service_code: str) -> bool:
        return not self.classes or any(service_code.startswith(c) for c in self.classes)

    def as_dict(self) -> dict:
        return {"action": self.action, "classes": list(self.classes), "zh": self.zh, "en": self.en}


def _words(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CaseCatalogError(f"{where}: '{key}' must be a non-empty text")
    if len(value.strip()) > MAX_PHRASE or any(ord(c) < 32 for c in value):
        raise CaseCatalogError(f"{where}: '{key}' must be one line of at most {MAX_PHRASE} characters")
    return value.strip()


def parse(data: dict, where: str, catalog: CaseCatalog) -> tuple[Phrase, ...]:
    entries = data.get("phrases")
    if not isinstance(entries, list) or not entries:
        raise CaseCatalogError(f"{where}: at least one [[phrases]] entry is required")
    unknown = sorted(set(data) - {"phrases"})
    if unknown:
        raise CaseCatalogError(f"{where}: unknown table {unknown[0]!r}: only [[phrases]]")
    phrases = []
    for number, entry in enumerate(entries, start=1):
        place = f"{where} [[phrases]] #{number}"
        if not isinstance(entry, dict):
            raise CaseCatalogError(f"{place}: must be a table")
        extra = sorted(set(entry) - KEYS)
        if extra:
            raise CaseCatalogError(f"{place}: unknown key {extra[0]!r} (keys: {', '.join(sorted(KEYS))})")
        action = entry.get("action")
        if not isinstance(action, str) or not _STEP.match(action):
            raise CaseCatalogError(f"{place}: 'action' must name a step (accept, confirm, ...), not {action!r}")
        classes = entry.get("classes", [])
        if not isinstance(classes, list) or not all(isinstance(c, str) and _CLASS.match(c) for c in classes):
            raise CaseCatalogError(f"{place}: 'classes' must be a list of class codes (C0101) or major classes (C01)")
        for code in classes:
            if not any(known.startswith(code) for known in catalog.classes):
                raise CaseCatalogError(f"{place}: no case class is or starts with {code!r}")
        phrases.append(Phrase(action, tuple(classes), _words(entry, "zh", place), _words(entry, "en", place)))
    return tuple(phrases)


def load(path: Path, catalog: CaseCatalog) -> tuple[Phrase, ...]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaseCatalogError(f"{path}: the reply phrases file is missing") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CaseCatalogError(f"{path}: not valid TOML: {exc}") from None
    return parse(data, str(path), catalog)
