"""Shared fixtures: the project's own layers/, a store built from them once per session, and per-test copies
(an app on a throw-away store, a client, a CLI runner).

Tests marked BOTH_BACKENDS run on the GeoPackage store and on PostGIS: each PostGIS test gets a database of its
own, created from a template that holds the built store. The server comes from GEO_APP_TEST_POSTGRES (an admin
URL; default: the local cluster `make postgis-server` sets up). Without a server those runs are skipped, except
in CI (CI=true), where they fail.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
import warnings
from pathlib import Path

import pandas as pd
import pytest

from geo_app import create_app
from geo_app.data.pipeline import build_store
from geo_app.project import Project
from geo_app.settings import ROOT
from geo_app.store import open_store

LAYERS = ROOT / "layers"
MAX_BYTES = 50 * 1024 * 1024


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(LAYERS)


@pytest.fixture(scope="session")
def built_store_path(tmp_path_factory, project) -> Path:
    path = tmp_path_factory.mktemp("built") / "suzhou.gpkg"
    store = open_store(path)
    build_store(project, store, max_bytes=MAX_BYTES)
    store.close()
    return path


def copy_store_file(source: Path, target: Path) -> None:
    """A copy of a GeoPackage store made as a user would: the store's own online backup."""
    store = open_store(source)
    store.backup(target)
    store.close()


def gdal_view(store_path: Path, folder: Path) -> Path:
    """A closed copy of the store for GDAL (pyogrio) to read. GDAL links its own SQLite: two SQLite libraries
    on one file in one process break each other's locks, so tests never point GDAL at a store they hold open."""
    target = Path(folder) / f"gdal-view-{uuid.uuid4().hex[:6]}.gpkg"
    copy_store_file(store_path, target)
    return target


POSTGRES = os.environ.get("GEO_APP_TEST_POSTGRES", "postgresql://geo_app:geo_app@127.0.0.1:5432/postgres")
BOTH_BACKENDS = pytest.mark.both_backends  # on a test, or on a module as `pytestmark`


# Tests that take over ~5 s on the 2-core machine (measured folder by folder with --durations=40, leaving out the
# browser and PostGIS ones, which `make test-fast` leaves out anyway): a node id marks all its parameters, a node
# id with [parameters] only that one.
SLOW = {
    "tests/auth/test_auth.py::test_a_session_write_needs_the_csrf_token",
    "tests/auth/test_auth.py::test_an_owner_is_recorded_and_listed",
    "tests/auth/test_auth.py::test_every_write_is_logged_with_the_user",
    "tests/auth/test_auth.py::test_logging_out_ends_the_session_even_for_a_copied_cookie",
    "tests/auth/test_auth.py::test_permission_matrix[api.scenario_save]",
    "tests/auth/test_auth.py::test_token_requests_need_no_csrf_token_but_a_role",
    "tests/data/test_demo_city.py::test_the_command_generates_and_imports_grids_first",
    "tests/planning/test_jobs.py::test_a_run_beyond_its_memory_cap_fails_with_the_reason",
    "tests/planning/test_jobs.py::test_a_run_is_a_job_with_stages_a_result_exports_and_can_be_saved",
    "tests/planning/test_jobs.py::test_jobs_under_gunicorn_with_several_workers",
    "tests/planning/test_jobs.py::test_runs_at_once_are_limited_across_processes_pages_answer_and_runs_cancel",
    "tests/planning/test_siting.py::test_demand_weighted_coverage_without_siting",
    "tests/planning/test_siting.py::test_exports",
    "tests/planning/test_siting.py::test_lscp_reaches_full_coverage_when_feasible",
    "tests/planning/test_siting.py::test_run_ten_toilets_for_gusu",
    "tests/planning/test_siting.py::test_scenarios_are_saved_listed_reopened_and_deleted",
    "tests/store/test_concurrency.py::test_a_deployment_keeps_imports_and_scenarios",
    "tests/store/test_concurrency.py::test_a_reader_never_sees_half_a_write",
    "tests/store/test_concurrency.py::test_concurrent_saves_and_imports_all_land",
    "tests/store/test_store_lifecycle.py::test_store_init_creates_and_seeds_only_when_there_is_none",
    "tests/web/test_hostile_http.py::test_no_bad_value_breaks_a_route[api.plan_sites]",
    "tests/web/test_hostile_http.py::test_no_bad_value_breaks_a_write[auth.login]",
    "tests/web/test_hostile_http.py::test_the_fuzzed_request_works_before_it_is_spoilt[api.plan_sites]",
}


def pytest_collection_modifyitems(config, items):
    """Markers from what a test uses: `browser` for the Chromium fixture and for every test of a *_browser.py file,
    `postgis` for the PostGIS runs of a both_backends test and for the PostGIS server fixture, `slow` for the tests
    in SLOW (a name there that no test has any more is said, so that the list follows renames)."""
    named = set()
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "browser" in fixtures or item.path.name.endswith("_browser.py"):  # and the font check beside them
            item.add_marker(pytest.mark.browser)
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("backend") == "postgis" or "postgis" in fixtures:
            item.add_marker(pytest.mark.postgis)
        if item.nodeid in SLOW or item.nodeid.split("[", 1)[0] in SLOW:
            item.add_marker(pytest.mark.slow)
            named.add(item.nodeid if item.nodeid in SLOW else item.nodeid.split("[", 1)[0])
    whole_run = all(str(arg).rstrip("/") in ("", "tests") for arg in config.args)
    if whole_run and SLOW - named:
        warnings.warn(f"tests/conftest.py SLOW names tests that do not exist: {sorted(SLOW - named)}", stacklevel=1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (CI=true) a skipped test is a failure: .ci/run installs every tool the tests need (Chromium,
    Playwright, PostgreSQL + PostGIS, the project's .venv), so a skip there means one is missing."""
    report = yield
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true), where nothing may be: {report.longrepr}"
    return report


def pytest_generate_tests(metafunc):
    """Tests marked both_backends that use a store run once per backend."""
    if metafunc.definition.get_closest_marker("both_backends") and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", ["gpkg", "postgis"], indirect=True)


class PostGISDatabases:
    """Throw-away databases on a PostgreSQL server, each a copy of a template holding the built store."""

    def __init__(self, admin_url: str, built_store_path: Path):
        import psycopg

        from geo_app.store.copy import copy_store

        self.admin_url, self.psycopg = admin_url, psycopg
        self.template = f"geo_app_test_{uuid.uuid4().hex[:8]}"
        self._sql(f'CREATE DATABASE "{self.template}"')
        template_store = open_store(self.url(self.template))
        copy_store(open_store(built_store_path), template_store)
        template_store.close()

    def url(self, database: str) -> str:
        return self.admin_url.rsplit("/", 1)[0] + "/" + database

    def _sql(self, statement: str) -> None:
        with self.psycopg.connect(self.admin_url, autocommit=True) as con:
            con.execute(statement)

    def fresh(self) -> str:
        name = f"{self.template}_{uuid.uuid4().hex[:8]}"
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def drop(self, name: str) -> None:
        """Drop a throw-away database. A server process of another role (seen: now and then, right after a test)
        can hold it for a moment, and FORCE may not end it: retry, then leave it rather than fail the test."""
        for _ in range(20):
            try:
                self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except self.psycopg.errors.InsufficientPrivilege:
                time.sleep(0.5)
        warnings.warn(f"could not drop the test database {name}; it is left on the server", stacklevel=2)


@pytest.fixture(scope="session")
def postgis(built_store_path):
    try:
        import psycopg

        psycopg.connect(POSTGRES, connect_timeout=3).close()
    except Exception as exc:  # no server here
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostGIS tests need a server at {POSTGRES}: {exc}")
        pytest.skip(f"no PostgreSQL server at {POSTGRES} (`make postgis-server` starts one): {exc}")
    databases = PostGISDatabases(POSTGRES, built_store_path)
    yield databases
    databases.drop(databases.template)


@pytest.fixture
def backend(request) -> str:
    return getattr(request, "param", "gpkg")


@pytest.fixture
def store_path(request, backend, tmp_path, built_store_path):
    """A private copy of the built store that a test may change: a GeoPackage path, or a PostGIS URL."""
    if backend == "postgis":
        databases = request.getfixturevalue("postgis")
        name = databases.fresh()
        yield databases.url(name)
        open_store(databases.url(name)).close()
        databases.drop(name)
        return
    path = tmp_path / "store" / "suzhou.gpkg"
    path.parent.mkdir()
    copy_store_file(built_store_path, path)
    yield path


@pytest.fixture
def store(store_path):
    return open_store(store_path)


@pytest.fixture
def app(store_path, tmp_path):
    return create_app(
        {
            "STORE": str(store_path),
            "LAYERS_DIR": str(LAYERS),
            "MAX_IMPORT_BYTES": MAX_BYTES,
            "BACKUP_DIR": str(tmp_path / "backups"),
            "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
            "TESTING": True,
        }
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


TEST_PASSWORD = "a long test password"


def use_token(client, role: str, name: str | None = None) -> str:
    """Add a user with `role` to the client's store; the client then sends that user's API token on every
    request. Returns the user's name."""
    from geo_app.auth import users

    store = client.application.extensions["geo_app"]["store"]
    name = name or f"test-{role}"
    if users.get(store, name) is None:
        users.add(store, name, role, TEST_PASSWORD)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {users.new_token(store, name)}"
    return name


@pytest.fixture
def planner(client) -> str:
    """The client acts as a planner (through an API token)."""
    return use_token(client, "planner")


def digest(path: Path) -> str:
    """A digest of everything the store at `path` holds (every table's rows, the version), not of the file's
    bytes: a WAL checkpoint rewrites bytes without changing content."""
    store = open_store(path)
    hasher = hashlib.sha256(str(store.version()).encode())
    for name in sorted(store.tables()):
        hasher.update(name.encode())
        hasher.update(pd.DataFrame(store.read(name)).to_csv(index=False).encode())
    return hasher.hexdigest()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, built_store_path):
    """The app served over HTTP on its own copy of the store, opening pages without basemap tiles."""
    from geo_app.auth import users
    from tests.live import LiveServer

    path = tmp_path_factory.mktemp("live") / "suzhou.gpkg"
    copy_store_file(built_store_path, path)
    store = open_store(path)
    users.add(store, "planner", "planner", TEST_PASSWORD)  # the browser tests log in as this user
    store.close()
    # one client address for every browser and GDAL test: the anonymous rate limit would stop them (test_auth tests it)
    server = LiveServer(
        path,
        DEFAULT_BASEMAP="none",
        SECRET_KEY_FILE=path.parent / "secret_key",
        RATE_LIMIT_ANONYMOUS="100000 per minute",
    )
    yield server
    server.stop()


# ---- the browser (tests/browser_kit.py has what the browser tests share) ----


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for a test module. Locally the test is skipped without Chromium or Playwright; in CI
    (CI=true) that is a failure: .ci/run installs them."""
    from tests.browser_kit import CHROMIUM

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing: .ci/run must install the Debian packages chromium and chromium-driver")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def close_pages():
    """Every page a test opened (browser_kit.Visit) is closed after it: open map pages pile up and slow the
    browser down."""
    yield
    from tests.browser_kit import OPEN_PAGES

    while OPEN_PAGES:
        OPEN_PAGES.pop().close()


@pytest.fixture
def loaded(store, project):
    """The store with cases_support.DEMO_CASES demo cases (and their statistics)."""
    from geo_app.data import demo_cases as demo
    from tests.cases_support import DEMO_CASES

    demo.load(store, project, DEMO_CASES)
    return store
