"""Exports for spreadsheets: the case statistics (/api/cases/statistics.csv, .xlsx) and the work list (/api/work.csv,
.xlsx) carry the JSON's figures under Chinese headers (English with lang=en), times in Beijing time, the notes
(source, period, definitions), a row bound (422 before the work) and text no spreadsheet runs as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from geo_app.cases import service
from geo_app.data import demo_cases as demo
from geo_app.web.api import exports, work_export
from tests.cases_support import DEMO_CASES as N
from tests.cases_support import grid_place
from tests.conftest import BOTH_BACKENDS, use_token

HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


def _csv(response) -> tuple[list[list[str]], list[list[str]]]:
    """The table's lines (headers first) and the notes' lines of a CSV export."""
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel and WPS read the Chinese as UTF-8
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    gap = lines.index([])
    return lines[:gap], lines[gap + 1 :]


def _xlsx(response):
    assert response.content_type == exports.FORMATS["xlsx"]
    return load_workbook(io.BytesIO(response.data))


@pytest.fixture
def demo_client(client, project):
    demo.load(client.application.extensions["geo_app"]["store"], project, N)
    return client


@BOTH_BACKENDS
def test_the_statistics_csv_has_chinese_headers_the_json_figures_and_the_notes(demo_client):
    answer = demo_client.get("/api/cases/statistics").get_json()
    response = demo_client.get("/api/cases/statistics.csv")
    assert response.status_code == 200 and response.content_type == "text/csv; charset=utf-8"
    assert "attachment; filename=case_statistics_2018H1_district.csv" == response.headers["Content-Disposition"]
    table, notes = _csv(response)
    headers = table[0]
    assert headers[:6] == ["区划代码", "名称", "上报", "受理", "立案", "不予立案"]
    assert "按期结案率(%)" in headers and "派遣时长中位数(小时,自然时)" in headers
    rows = {line[0]: dict(zip(headers, line)) for line in table[1:]}
    gusu = next(g for g in answer["groups"] if g["key"] == "320508")
    assert rows["320508"]["名称"] == "姑苏区" and int(rows["320508"]["上报"]) == gusu["reported"]
    assert float(rows["320508"]["返工率(%)"]) == gusu["rework_rate_pct"]
    total = rows["合计"]
    assert int(total["受理"]) == answer["total"]["accepted"]
    assert float(total["办结率(%)"]) == answer["total"]["conclusion_rate_pct"]
    assert float(total["处置时长中位数(小时,自然时)"]) == answer["total"]["median_hours"]["handle"]
    said = dict((line[0], line[1]) for line in notes)
    assert said["统计期"].startswith("2018年上半年") and "/api/cases/statistics" in said["数据来源"]
    assert "工作时" in said["定义:按期结案率"] and "自然时" in said["定义:各环节时长中位数"]
    assert any("750,852" in line[1] for line in notes if line[0].startswith("工作报告"))  # the report beside


def test_the_statistics_xlsx_in_english_for_a_period_and_a_class(demo_client):
    answer = demo_client.get("/api/cases/statistics?period=2018Q2&by=class").get_json()
    book = _xlsx(demo_client.get("/api/cases/statistics.xlsx?period=2018Q2&by=class&lang=en"))
    assert book.sheetnames == ["Case statistics", "Definitions"]
    sheet = book["Case statistics"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Class code", "Name", "Reported"] and "On-time closing rate (%)" in headers
    rows = {r[0]: dict(zip(headers, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    e0101 = next(g for g in answer["groups"] if g["key"] == "E0101")
    assert rows["E0101"]["Name"] == e0101["name_en"] and rows["E0101"]["Reported"] == e0101["reported"]
    assert rows["E0101"]["Median handle time (h, clock time)"] == e0101["median_hours"]["handle"]
    assert rows["Total"]["Reported"] == answer["total"]["reported"] < N  # a quarter of the half-year
    notes = {r[0]: r[1] for r in book["Definitions"].iter_rows(min_row=2, values_only=True)}
    assert notes["Period"].startswith("2018 Q2") and "2018-04 to 2018-06" in notes["Period"]
    assert "working hours" in notes["Definition: On-time closing rate"]
    assert not any(key.startswith("The report") for key in notes)  # not the report's period: nothing beside


def test_a_statistics_export_beyond_the_bound_is_refused(demo_client, monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS", 10)
    response = demo_client.get("/api/cases/statistics.xlsx?by=class")  # 40 classes and the total
    assert response.status_code == 422 and "10" in response.get_json()["error"]["message"]
    assert demo_client.get("/api/cases/statistics.csv?by=district").status_code == 200  # 6 lines
    assert demo_client.get("/api/cases/statistics.csv?lang=fr").get_json()["error"]["parameter"] == "lang"
    assert demo_client.get("/api/cases/statistics.csv?period=2018Q5").get_json()["error"]["parameter"] == "period"


@pytest.fixture
def hostile_cases(client, project, monkeypatch):
    """Four cases reported on patrol (no 核实: the dispatcher's to accept) at 09:00 Beijing time (01:00 UTC) on
    2018-03-05, whose descriptions begin as formulas."""
    store = client.application.extensions["geo_app"]["store"]
    monkeypatch.setattr(service, "_now", lambda: datetime(2018, 3, 5, 1, 0, tzinfo=UTC))
    place = grid_place(store)
    return [
        service.report(
            store, project, service_code="E0101", lon=place.lon, lat=place.lat, source="patrol",
            description=text, reporter="zhao",
        )["id"]
        for text in HOSTILE
    ]  # fmt: skip


@BOTH_BACKENDS
def test_the_work_list_exports_text_as_text_and_times_in_beijing_time(client, hostile_cases):
    use_token(client, "dispatcher")
    table, notes = _csv(client.get("/api/work.csv"))
    headers = table[0]
    assert headers[:4] == ["案件编号", "状态", "类别代码", "类别"] and "上报时间(北京时间)" in headers
    rows = {line[0]: dict(zip(headers, line)) for line in table[1:]}
    assert set(rows) == set(hostile_cases)
    first = rows[hostile_cases[0]]
    assert first["状态"] == "待受理" and first["上报时间(北京时间)"] == "2018-03-05 09:00:00"
    assert first["区"] and first["超期"] == "是" and first["时限状态"] == "超期"  # its 立案 limit passed in 2018
    # the formula is text: it starts with ' and is never run
    assert [rows[i]["问题描述"] for i in hostile_cases] == [f"'{text}" for text in HOSTILE]
    said = dict((line[0], line[1]) for line in notes)
    assert said["用户"].startswith("test-dispatcher") and said["统计期"] == "截至导出时"

    book = _xlsx(client.get("/api/work.xlsx?lang=en&class=E0101"))
    sheet = book["Work list"]
    headers = [c.value for c in sheet[1]]
    assert headers[:2] == ["Case number", "Status"] and "Reported (Beijing time)" in headers
    column = headers.index("Description") + 1
    for number, row in enumerate(sheet.iter_rows(min_row=2), start=2):
        cell = sheet.cell(row=number, column=column)
        case = row[0].value
        assert cell.value == HOSTILE[hostile_cases.index(case)]  # the text exactly as reported
        assert cell.data_type == "s" and cell.quotePrefix  # a text cell, never a formula (type "f")
        reported = row[headers.index("Reported (Beijing time)")].value
        assert reported == datetime(2018, 3, 5, 9, 0)
    assert sheet.max_row == 1 + len(HOSTILE)
    assert "Definitions" in book.sheetnames


def test_a_work_export_beyond_the_bound_is_refused_before_the_list_is_read(client, hostile_cases, monkeypatch):
    use_token(client, "dispatcher")
    monkeypatch.setattr(exports, "MAX_ROWS", 3)
    limits = []
    real = work_export.work.work
    monkeypatch.setattr(
        work_export.work,
        "work",
        lambda store, user, f, *a, **k: limits.append(f.limit) or real(store, user, f, *a, **k),
    )
    response = client.get("/api/work.xlsx")
    assert response.status_code == 422 and "4 lines" in response.get_json()["error"]["message"]
    assert limits == [1]  # only counted: no line was read for the export
    assert client.get("/api/work.csv?status=reported&q=HYPERLINK").status_code == 200  # one line


@pytest.mark.parametrize(
    "query, parameter",
    [("limit=5", "limit"), ("offset=10", "offset"), ("lang=de", "lang"), ("status=closed", "status")],
)
def test_a_work_export_names_a_bad_parameter(client, query, parameter):
    use_token(client, "dispatcher")
    response = client.get(f"/api/work.csv?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == parameter


def test_the_work_list_export_is_the_case_staffs(client):
    assert client.get("/api/work.csv").status_code == 401
    use_token(client, "planner")
    assert client.get("/api/work.xlsx").status_code == 403
