"""Errors of the domain (geo_app/errors.py) say their cause by class, never an HTTP status; web/errors.py's STATUS
answers each cause with its status in every format: the API's JSON, the pages, OGC API and Open311's error list."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil

import pytest

import geo_app
from geo_app import errors
from geo_app.cases import service
from geo_app.errors import (
    BadParameter,
    Conflict,
    DomainError,
    Failed,
    Forbidden,
    NotFound,
    NotSignedIn,
    TooExpensive,
    TooMany,
    Unavailable,
    Unsolvable,
)
from geo_app.planning.jobs import Busy
from geo_app.planning.siting import RunTooLarge, SitingError
from geo_app.settings import ROOT
from geo_app.store import StoreBusy, StoreError, StoreMissing
from geo_app.web import ogc
from geo_app.web.api.plan import failure
from geo_app.web.errors import STATUS
from geo_app.web.pages import views

# cause -> (an error of it, its status, Open311's code: the specification's 400, 403 and 404, the server's own 5xx)
CAUSES = {
    "invalid": (BadParameter("colour", "'red' is not one of blue, green"), 400, 400),
    "not signed in": (NotSignedIn("action", "log in first"), 401, 403),
    "forbidden": (Forbidden("action", "dispatch needs the role dispatcher"), 403, 403),
    "not found": (NotFound("case", "no case 'SZ1'"), 404, 404),
    "conflict": (Conflict("action", "a closed case cannot be handled", ["reopen"]), 409, 400),
    "conflict without steps": (Conflict("job", "the run is running"), 409, 400),
    "too expensive": (TooExpensive("bbox", "more than a run may build"), 422, 400),
    "a run too large": (RunTooLarge("memory_limit", mb=20), 422, 400),
    "unsolvable": (Unsolvable("problem", "no site reaches the demand"), 422, 400),
    "no siting solution": (SitingError("infeasible"), 422, 400),
    "too many": (TooMany(None, "20 event streams are open for you already"), 429, 400),
    "unavailable": (Unavailable("problem", "every run slot is busy"), 503, 503),
    "runs busy": (Busy("problem", "all 2 siting runs are busy"), 503, 503),
    "store": (StoreError("cannot reach the store"), 503, 503),
    "store busy": (StoreBusy("the store is busy with another write"), 503, 503),
    "store missing": (StoreMissing("there is no store"), 503, 503),
    "failed": (Failed("problem", "the run stopped: its worker ended"), 500, 500),
}


def _raising(error: DomainError):
    def raise_it(*_args, **_kwargs):
        raise error

    return raise_it


def test_every_cause_has_a_status():
    causes = {c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, DomainError)} - {DomainError}
    assert set(STATUS) == causes
    assert {type(error) for error, _, _ in CAUSES.values()} >= causes


@pytest.mark.parametrize("name", CAUSES)
def test_each_cause_is_answered_with_its_status_in_every_format(client, monkeypatch, name):
    error, status, open311 = CAUSES[name]
    monkeypatch.setattr(service, "get", _raising(error))
    monkeypatch.setattr(ogc, "_check_format", _raising(error))
    monkeypatch.setattr(views, "district_page", _raising(error))
    expected = {"status": status, "message": str(error), **error.detail}
    if error.parameter is not None:
        expected["parameter"] = error.parameter
    if getattr(error, "allowed", None) is not None:
        expected["allowed_actions"] = error.allowed
    for url in ("/api/cases/SZ1", "/ogc"):
        answer = client.get(url)
        assert (answer.status_code, answer.get_json()) == (status, {"error": expected}), url
    page = client.get("/districts/320508")
    assert page.status_code == status and page.mimetype == "text/html"
    assert f"<h1>{status} · " in page.text and error.reason.replace("'", "&#39;") in page.text
    listed = client.get("/open311/v2/requests/SZ1.json")
    assert (listed.status_code, listed.get_json()) == (open311, [{"code": open311, "description": str(error)}])
    as_xml = client.get("/open311/v2/requests/SZ1.xml")
    assert as_xml.status_code == open311 and f"<code>{open311}</code>" in as_xml.text


def test_a_failed_job_is_answered_with_the_status_of_its_recorded_cause():
    for cause in STATUS:
        error = failure({"error": {"cause": cause.cause, "message": "why", "code": "c", "values": {}}})
        assert type(error) is cause and error.reason == "why" and error.detail == {"code": "c", "values": {}}
    assert type(failure({"error": {"message": "an older record"}})) is Failed


def _modules_outside_the_web():
    for module in pkgutil.walk_packages(geo_app.__path__, "geo_app."):
        if not module.name.startswith(("geo_app.web", "geo_app.cli")) and not module.name.endswith("__main__"):
            yield importlib.import_module(module.name)


def _http_status(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and 400 <= node.value <= 599


def test_no_error_outside_the_web_carries_an_http_status():
    """Outside web/ (and the CLI) an error says its cause by its class: no raise passes a status, no record (a
    job's file) keeps one, and no error class takes one."""
    found = []
    for path in sorted((ROOT / "geo_app").rglob("*.py")):
        if path.relative_to(ROOT / "geo_app").parts[0] in ("web", "cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                call = node.exc
                if any(_http_status(value) for value in [*call.args, *(k.value for k in call.keywords)]) or any(
                    k.arg == "status" and isinstance(k.value, ast.Constant) for k in call.keywords
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(call)[:80]}")
            if isinstance(node, ast.Dict) and any(
                isinstance(key, ast.Constant) and key.value == "status" and _http_status(value)
                for key, value in zip(node.keys, node.values)
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert not found, found
    for module in _modules_outside_the_web():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Exception):
                assert "status" not in inspect.signature(cls.__init__).parameters, cls
