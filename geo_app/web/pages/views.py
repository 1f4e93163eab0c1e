"""Routes of the map pages."""

from __future__ import annotations

from geo_app.web.auth import requires
from geo_app.web.pages import bp
from geo_app.web.pages.districts import district_page, districts_page
from geo_app.web.pages.grid import grid_page
from geo_app.web.pages.plan import plan_page
from geo_app.web.pages.public import public_page
from geo_app.web.pages.work import work_page


@bp.get("/")
def public():
    return public_page()


@bp.get("/grid")
def grid():
    return grid_page()


@bp.get("/districts")
def districts():
    return districts_page()


@bp.get("/districts/<code>")
def district(code: str):
    return district_page(code)


@bp.get("/plan")
def plan():
    return plan_page()


@bp.get("/work")
@requires("dispatcher", "handler", "supervisor")
def work():
    return work_page()
