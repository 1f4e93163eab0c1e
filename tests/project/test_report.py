"""The report table: integrity, normalisation, scopes, and the join to units (groups never divided)."""

import csv
import shutil

import pytest

from geo_app.project import REPORT_FILE, report
from tests.conftest import LAYERS


def test_the_table_is_complete_and_consistent(project):
    frame = project.report  # load_report checks ids, values, units, scopes, kinds
    assert len(frame) > 150
    assert frame["id"].is_unique
    assert set(frame["kind"]) == {"actual", "target", "plan"}
    assert set(frame["scope_kind"]) == {"unit", "group", "units"}
    assert frame["section"].str[0].isin(["一", "二"]).all()
    assert (frame["indicator_en"] != "").all()


@pytest.mark.parametrize(
    "value_text, unit_text, expected",
    [
        ("90万余", "张(处)", (900000, "张(处)", True)),
        ("近90万余", "张(处)", (900000, "张(处)", True)),
        ("108.33", "万吨", (1083300, "t", False)),
        ("约1.5亿", "元", (150000000, "元", True)),
        ("691.75", "万元", (6917500, "元", False)),
        ("1", "万个", (10000, "个", False)),
        ("约120", "公里", (120000, "m", True)),
        ("5984.85", "吨/日", (5984.85, "t/d", False)),
        ("1000左右", "座", (1000, "座", True)),
        ("304.79", "万平方米", (3047900, "m²", False)),
    ],
)
def test_normalise(value_text, unit_text, expected):
    value, base, approximate = report.normalise(value_text, unit_text)
    assert (round(value, 6), base, approximate) == expected


@pytest.mark.parametrize(
    "value_text, unit_text, error",
    [
        ("很多", "件", ValueError),
        ("12", "斤", KeyError),
        ("1.2.3", "件", ValueError),
    ],
)
def test_normalise_refuses(value_text, unit_text, error):
    with pytest.raises(error):
        report.normalise(value_text, unit_text)


def test_known_figures_are_where_the_report_puts_them(project):
    frame = project.report.set_index("indicator_zh")
    planned = frame.loc["市容市政局承担市政环卫公厕新改建"]
    assert (planned["value"], planned["kind"], planned["period"], planned["scope"], planned["section"]) == (
        510,
        "target",
        "2018",
        "全市",
        "一(三)四",
    )
    done = frame.loc["市政环卫公厕竣工"]
    assert (done["value"], done["kind"], done["period"]) == (37, "actual", "2018H1")
    bikes = project.report[(project.report["topic"] == "bikes")]
    assert set(bikes["scope"]) == {"姑苏区"} and set(bikes["value"]) == {50}
    wujiang = frame.loc["“4+N”专职网格人员(网格长、巡查员、警备员、督导员)"]
    assert wujiang["scope_units"] == "320509" and wujiang["approximate"]


def _copy_layers(tmp_path):
    root = tmp_path / "layers"
    shutil.copytree(LAYERS, root)
    return root


def _rewrite(path, change):
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, report.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda rows: rows[1].update(id=rows[0]["id"]), "duplicate id R001"),
        (lambda rows: rows[0].update(scope="苏州湾"), "scope '苏州湾' names an unknown unit or group"),
        (lambda rows: rows[0].update(unit_text="斤"), "unknown unit '斤'"),
        (lambda rows: rows[0].update(value="5"), "do not follow from '4' '份'"),
        (lambda rows: rows[0].update(kind="guess"), "kind 'guess' is not one of"),
        (lambda rows: rows[0].update(section="第一章"), "section '第一章' is not a reference"),
    ],
)
def test_integrity_errors_name_the_line(tmp_path, project, change, message):
    root = _copy_layers(tmp_path)
    _rewrite(root / REPORT_FILE, change)
    with pytest.raises(report.ReportError, match="line [23]") as caught:
        report.load_report(root / REPORT_FILE, project.units)
    assert message in str(caught.value)


def test_unit_figures_and_group_figures_are_kept_apart(project):
    units = project.units
    gusu = report.figures_for_unit(project.report, units, "320508")
    assert gusu["unit"] and all(f["scope"] == "姑苏区" for f in gusu["unit"])
    shared_scopes = {g["scope"] for g in gusu["shared"]}
    assert {"市区", "市区(不含吴江区)", "全市", "姑苏区+工业园区"} <= shared_scopes
    assert "县级市" not in shared_scopes
    # a group figure is shown whole for each member, never divided among them
    table = project.report.set_index("id")
    for member in units.groups["市区"]["members"]:
        figures = report.figures_for_unit(project.report, units, member)
        group = next(g for g in figures["shared"] if g["scope"] == "市区")
        for figure in group["figures"]:
            assert figure["value"] == table.loc[figure["id"], "value"]


def test_industrial_park_keeps_its_figures_without_a_boundary(project):
    sip = report.figures_for_unit(project.report, project.units, project.units.resolve_unit("工业园区"))
    scopes = {g["scope"] for g in sip["shared"]}
    assert {"姑苏区+吴中区+工业园区", "姑苏区+工业园区", "市区"} <= scopes
    assert "市区(不含吴江区)" in scopes and "县级市" not in scopes


def test_aliases_resolve(project):
    units = project.units
    assert units.resolve_unit("高新区") == units.resolve_unit("虎丘区") == "320505"
    assert units.resolve_unit("工业园区") == "320571"
    assert units.scope("市区(不包括吴江)").text == "市区(不含吴江区)"
    with pytest.raises(KeyError):
        units.resolve_unit("浦东新区")
