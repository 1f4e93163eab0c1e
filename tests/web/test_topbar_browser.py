"""The top bar on phones (360-430 px) in both languages: one row, the language switch wholly in view, the page links
scrolling beside it (never under it), the ones cut off faded at the edge, each link readable once scrolled to, and
the current page's link in view."""

from __future__ import annotations

import pytest

from tests.browser_kit import SHOTS

GEOMETRY = """() => {
  const box = (e) => e.getBoundingClientRect(), nav = document.querySelector('.topbar nav');
  const links = [...nav.querySelectorAll('a, button')], lang = box(document.querySelector('.lang-switch'));
  const style = getComputedStyle(nav), fade = style.maskImage || style.webkitMaskImage;
  const seen = (l) => { const r = box(l), n = box(nav);   // the link's part outside the faded edges
    return Math.min(r.right, n.right - 25) - Math.max(r.left, n.left + 9) >= r.width - 1; };
  const current = seen(nav.querySelector('[aria-current="page"]'));      // brought into view by topbar.js
  nav.scrollLeft = 0;
  const before = links.map(seen);
  nav.scrollLeft = nav.scrollWidth;
  const after = links.map(seen);
  return { bar: box(document.querySelector('.topbar')).height, navRight: box(nav).right, langLeft: lang.left,
           langRight: lang.right, width: innerWidth, scrolls: nav.scrollWidth > nav.clientWidth, fade,
           hidden: before.map((s, i) => s || after[i]).filter((s) => !s).length, lastSeenAtEnd: after[after.length - 1],
           current };
}"""


@pytest.mark.parametrize("width", [360, 390, 430])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_top_bar_reads_well_on_phones(browser, live_server, width, lang):
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(f"{live_server.url}/about?lang={lang}")
    found = page.evaluate(GEOMETRY)
    assert found["bar"] < 60, found  # one row
    assert found["navRight"] <= found["langLeft"] and found["langRight"] <= found["width"], found
    assert "gradient" in found["fade"], found
    assert found["current"] and found["lastSeenAtEnd"] and found["hidden"] == 0, found
    page.reload()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"topbar-{lang}-{width}.png"), clip={"x": 0, "y": 0, "width": width, "height": 80})
    page.close()
