"""The text catalogue (geo_app/texts/catalogue.toml): complete in both languages, every key used and every used key
there, and the pages in each language show their texts, never a key nor the other language's text."""

import re
import string
from html.parser import HTMLParser
from pathlib import Path

import pytest

from geo_app import texts
from geo_app.settings import ROOT
from geo_app.texts import CATALOGUE
from tests.conftest import use_token

AREAS = sorted({key.split(".")[0] for key in CATALOGUE})
# a key (or, ending in ".", the start of keys completed at run time) quoted in Python, Jinja or JavaScript
QUOTED_KEY = re.compile(r"""[\"'`]((?:{areas})\.[a-z0-9_.]*)(?=[\"'`{{$])""".format(areas="|".join(AREAS)))
FILES = re.compile(r"\.(html|js|css|toml|json|csv|py|svg|png)$")  # file names that look like keys
KEY = re.compile(r"\b(?:{areas})(?:\.[a-z0-9_]+)+\b".format(areas="|".join(AREAS)))


def sources() -> dict[Path, str]:
    paths = [
        *(ROOT / "geo_app").rglob("*.py"),
        *(ROOT / "templates").glob("*.html"),
        *(ROOT / "static/js").glob("*.js"),
    ]
    return {path: path.read_text(encoding="utf-8") for path in paths}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_key_has_both_languages_with_the_same_values(key):
    zh, en = CATALOGUE[key]["zh"], CATALOGUE[key]["en"]
    assert zh.strip() and en.strip()
    assert fields(zh) == fields(en), key
    assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+", key), key


def test_every_key_used_is_in_the_catalogue_and_every_key_is_used(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}  # url_for("auth.login") is no text
    used, prefixes = set(), set()
    for path, text in sources().items():
        for found in QUOTED_KEY.findall(text):
            if FILES.search(found) or found in endpoints and found not in CATALOGUE:
                continue
            if found == texts.MESSAGE:
                continue  # messages are used by their code (below)
            if found.endswith("."):
                prefixes.add(found)
            else:
                used.add(found)
                assert found in CATALOGUE, f"{path.relative_to(ROOT)} uses {found!r}, which the catalogue lacks"
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in CATALOGUE), f"no key starts with {prefix!r}"
    # a message is used by its code (geo_app.texts.message, SitingError, a run's status)
    python = "".join(text for path, text in sources().items() if path.suffix == ".py")
    codes = set(re.findall(r"""["'](\w+)["']""", python))
    used |= {key for key in CATALOGUE if key.startswith(texts.MESSAGE) and key.removeprefix(texts.MESSAGE) in codes}
    dead = sorted(key for key in CATALOGUE if key not in used and not any(key.startswith(p) for p in prefixes))
    assert not dead, f"never used: {dead}"


def test_values_are_filled_in_as_text():
    assert (
        texts.text("period.months", "en", from_year=2018, from_month=6, to_year=2019, to_month=6)
        == "2018-06 to 2019-06"
    )
    assert texts.text("page.plan.busy", "zh") == CATALOGUE["page.plan.busy"]["zh"]  # no values: as written
    with pytest.raises(KeyError):
        texts.text("page.nowhere", "en")


class Visible(HTMLParser):
    """The text a reader sees (not scripts' code or data) and the attributes read out, without what is marked as
    another language or not to translate (the language switch, codes, the report's title)."""

    SKIP = {"script", "style"}
    ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}

    def __init__(self, lang: str):
        super().__init__()
        self.lang, self.stack, self.chunks = lang, [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        other = (
            tag in self.SKIP
            or attrs.get("translate") == "no"
            or (attrs.get("lang") or self.lang).split("-")[0] != self.lang
        )
        if tag not in ("meta", "link", "input", "br", "img", "hr"):
            self.stack.append(other or (bool(self.stack) and self.stack[-1]))
        if not other and not (self.stack and self.stack[-1]):
            self.chunks += [value for name, value in attrs.items() if name in self.ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag not in ("meta", "link", "input", "br", "img", "hr") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if data.strip() and not (self.stack and self.stack[-1]):
            self.chunks.append(data.strip())


def visible(html: str, lang: str) -> list[str]:
    parser = Visible(lang)
    parser.feed(html)
    return parser.chunks


@pytest.fixture
def pages(client):
    """Every page route, and the states that show more text: a logged-in user's role, a failed login, an error page,
    a unit without a boundary, the case statistics with the heat map."""

    def get(path, lang, **extra):
        response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}", **extra)
        return response.get_data(as_text=True)

    def all_of(lang):
        out = {
            path: get(path, lang)
            for path in (
                "/",
                "/grid",
                "/districts",
                "/districts?stat=cases_per_km2",
                "/districts/320508",
                "/districts/320571",
                "/plan",
                "/login",
                "/about",
                "/work",
                "/districts/nowhere",
                "/districts?stat=x",
            )
        }
        token = re.search(r'name="csrf_token" value="([^"]+)"', out["/login"])[1]
        out["failed login"] = client.post(
            f"/login?lang={lang}", data={"name": "nobody", "password": "not it", "csrf_token": token}
        ).get_data(as_text=True)
        use_token(client, "supervisor")
        out["/grid as supervisor"] = get("/grid", lang)
        out["/work as supervisor"] = get("/work", lang)
        use_token(client, "dispatcher")
        out["/work as dispatcher"] = get("/work", lang)
        out["/work as dispatcher, filtered"] = get("/work?status=accepted&overdue=true&q=x&class=C0101", lang)
        out["/work as dispatcher, one light"] = get("/work?clock=soon&department=sanitation", lang)
        use_token(client, "admin")
        out["/work as admin"] = get("/work", lang)
        out["/work escalation"] = get("/work?view=escalation", lang)
        client.environ_base.pop("HTTP_AUTHORIZATION")
        return out

    return all_of


def test_pages_show_no_key(pages):
    for lang in ("zh", "en"):
        for path, html in pages(lang).items():
            assert texts.text("site.service", lang) in visible(html, lang), path
            for chunk in visible(html, lang):
                assert not KEY.search(chunk), f"{path} ({lang}) shows {KEY.search(chunk)[0]!r}: {chunk!r}"


def test_english_pages_show_no_chinese_text(pages):
    english = {entry["en"] for entry in CATALOGUE.values()}
    chinese = {entry["zh"] for entry in CATALOGUE.values() if re.search(r"[\u4e00-\u9fff]", entry["zh"])} - english
    for path, html in pages("en").items():
        for chunk in visible(html, "en"):
            # short texts only as all of a chunk: the report's own words (吨/日) are data
            said = [zh for zh in chinese if zh in chunk and (len(zh) > 3 or zh == chunk)]
            assert not said, f"{path} says {said} in English: {chunk!r}"


def test_chinese_pages_show_no_english_text(pages):
    chinese = {entry["zh"] for entry in CATALOGUE.values()}
    english = {entry["en"] for entry in CATALOGUE.values() if " " in entry["en"] and "{" not in entry["en"]} - chinese
    for path, html in pages("zh").items():
        for chunk in visible(html, "zh"):
            said = [en for en in english if en in chunk]
            assert not said, f"{path} says {said} in Chinese: {chunk!r}"
