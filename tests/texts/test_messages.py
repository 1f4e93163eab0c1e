"""Service messages in both languages: the same values in each, and every code a service uses has a template."""
import re
import string
from pathlib import Path

import pytest

from geo_app import texts as messages


@pytest.mark.parametrize("code", sorted(messages.TEMPLATES))
def test_both_languages_take_the_same_values(code):
    zh, en = messages.TEMPLATES[code]
    fields = [{name for _, name, _, _ in string.Formatter().parse(text) if name} for text in (zh, en)]
    assert fields[0] == fields[1]
    assert not re.search(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}|GEO_APP_\w+|km²", "", zh)), zh


def test_every_code_the_services_use_has_a_template():
    source = "".join(p.read_text(encoding="utf-8") for p in Path(messages.__file__).parent.rglob("*.py"))
    used = set(re.findall(r"""(?:message|SitingError)\("(\w+)\"""", source))
    used |= set(re.findall(r"""status = .*?"(\w+)\"""", source)) & set(messages.TEMPLATES)
    assert used and used <= set(messages.TEMPLATES), used - set(messages.TEMPLATES)


def test_values_are_inserted_as_text():
    said = messages.message("demand_unknown", demand="<b>x</b>")
    assert said.text() == "demand <b>x</b>: give grids, area, or <layer>:<numeric column> of a loaded layer"
    assert said.as_json() == {"code": "demand_unknown", "values": {"demand": "<b>x</b>"}, "text": said.text()}
