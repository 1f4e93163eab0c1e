"""The case statistics' controls in Chromium: choosing a period, a district and a class on /districts (and a period
on /districts/<code>) puts them in the URL, which reproduces the view, and the export links follow, at phone and
desktop size in both languages."""

from __future__ import annotations

import pytest

from tests.browser_kit import SIZES, Visit


@pytest.mark.parametrize("size", SIZES)
def test_the_case_controls_make_a_shareable_link(browser, live_server, size):
    for lang, quarter in (("zh", "2018年第2季度"), ("en", "2018 Q2")):
        visit = Visit(browser, live_server.url, f"/districts?lang={lang}", size=size)
        page = visit.page
        for name, value in (("period", "2018Q2"), ("district", "320508"), ("class", "E0101")):
            page.wait_for_load_state("load")  # the page's scripts submit a choice
            page.select_option(f"#district-controls select[name={name}]", value)
            page.wait_for_url(f"**{name}={value}*")
        for part in ("period=2018Q2", "district=320508", "class=E0101", f"lang={lang}"):
            assert part in page.url
        assert quarter in page.inner_text("#case-period") and "E0101" in page.inner_text("#case-period")
        shared = browser.new_page(viewport={"width": SIZES[size][0], "height": SIZES[size][1]})
        shared.goto(page.url)  # the link alone gives the same view and choices
        assert shared.inner_text("#case-period") == page.inner_text("#case-period")
        assert shared.eval_on_selector("#district-controls select[name=period]", "s => s.value") == "2018Q2"
        shared.close()
        href = page.get_attribute("#case-export-xlsx", "href")
        assert all(p in href for p in ("period=2018Q2", "district=320508", "class=E0101", f"lang={lang}"))
        exported = page.request.get(live_server.url + href)
        assert exported.status == 200 and exported.body()[:2] == b"PK"  # an XLSX is a zip
        page.click("#case-definitions summary")
        page.eval_on_selector("#case-statistics", "n => n.scrollIntoView()")
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]
        visit.shot(f"case-statistics-{lang}-{size}")
        visit.clean()


def test_a_districts_own_page_takes_a_period(browser, live_server):
    visit = Visit(browser, live_server.url, "/districts/320508?lang=zh", size="phone")
    page = visit.page
    page.select_option("#case-controls select[name=period]", "2018-04")
    with page.expect_navigation():
        page.click("#case-controls button[type=submit]")
    assert "period=2018-04" in page.url and "2018年4月" in page.inner_text("#case-period")
    visit.clean()
