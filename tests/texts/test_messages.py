"""Service messages in both languages (the catalogue's message.<code>): Chinese text in Chinese, and every code a
service uses has a template."""

import re
from pathlib import Path

import pytest

from geo_app import texts as messages

TEMPLATES = sorted(key for key in messages.CATALOGUE if key.startswith(messages.MESSAGE))


@pytest.mark.parametrize("key", TEMPLATES)
def test_the_chinese_template_is_chinese(key):
    zh = messages.CATALOGUE[key]["zh"]
    assert not re.search(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}|GEO_APP_\w+|km²", "", zh)), zh


def test_every_code_the_services_use_has_a_template():
    source = "".join(p.read_text(encoding="utf-8") for p in Path(messages.__file__).parent.parent.rglob("*.py"))
    used = set(re.findall(r"""(?:message|SitingError)\("(\w+)\"""", source))
    assert used and {messages.MESSAGE + code for code in used} <= set(TEMPLATES), used


def test_values_are_inserted_as_text():
    said = messages.message("demand_unknown", demand="<b>x</b>")
    assert said.text() == "demand <b>x</b>: give grids, area, or <layer>:<numeric column> of a loaded layer"
    assert said.as_json() == {"code": "demand_unknown", "values": {"demand": "<b>x</b>"}, "text": said.text()}
    assert said.text(english=False) == "需求 <b>x</b>:请选择网格、面积,或已载入图层的 <图层>:<数值字段>"
    assert messages.templates("zh")["optimal"] == "最优解"
