"""Every text the service shows or answers, in Chinese (zh, the default) and English (en), from one catalogue
(catalogue.toml): keys named by area (`site.service`, `page.grid.find`, `case.status.closed`, `message.optimal`).

Messages are what services hand to pages and API clients: a code with values (`message("optimal")` says the
catalogue's `message.optimal`). The API answers the English text with the code and values beside it, and a page
renders the same code in its own language (the page scripts receive the templates). Values are formatted by the
service (numbers as they should read) and inserted as text, never as markup.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

LANGUAGES = ("zh", "en")
MESSAGE = "message."  # the area of the messages' templates


def _flatten(table: dict, prefix: str = "") -> dict[str, dict[str, str]]:
    out = {}
    for name, value in table.items():
        if set(value) == set(LANGUAGES) and all(isinstance(value[lang], str) for lang in LANGUAGES):
            out[prefix + name] = value
        else:
            out.update(_flatten(value, f"{prefix}{name}."))
    return out


with (Path(__file__).parent / "catalogue.toml").open("rb") as _file:
    CATALOGUE: dict[str, dict[str, str]] = _flatten(tomllib.load(_file))


def text(key: str, lang: str, **values) -> str:
    """The text of `key` in `lang` (zh or en), its {values} filled in when given (KeyError for an unknown key)."""
    template = CATALOGUE[key][lang]
    return template.format(**values) if values else template


def both(key: str, name: str = "name") -> dict[str, str]:
    """{name_zh, name_en}: the fields of an answer that carries both languages."""
    return {f"{name}_{lang}": CATALOGUE[key][lang] for lang in LANGUAGES}


def in_language(lang: str, area: str = "") -> dict[str, str]:
    """Every text of an area (all when none) in one language, by key (for page scripts)."""
    return {key: entry[lang] for key, entry in CATALOGUE.items() if key.startswith(area)}


@dataclass(frozen=True)
class Message:
    code: str
    values: dict = field(default_factory=dict)

    def text(self, english: bool = True) -> str:
        return text(MESSAGE + self.code, "en" if english else "zh", **self.values)

    def detail(self) -> dict:
        """What a page needs to say it in its own language."""
        return {"code": self.code, "values": self.values}

    def as_json(self) -> dict:
        """For API answers: the English text, and the code and values a page renders in its language."""
        return {**self.detail(), "text": self.text()}


def message(code: str, **values) -> Message:
    if MESSAGE + code not in CATALOGUE:
        raise KeyError(f"no message template {code!r}")
    return Message(code, {name: str(value) for name, value in values.items()})


def templates(lang: str) -> dict[str, str]:
    """Every message template in one language, by code (for page scripts)."""
    return {key.removeprefix(MESSAGE): entry for key, entry in in_language(lang, MESSAGE).items()}
