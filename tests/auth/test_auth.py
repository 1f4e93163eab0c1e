"""Identity, roles, CSRF and rate limits: the `flask users` commands, login and logout, API tokens, the permission
matrix (each role x each state-changing route), cross-site requests refused, what is stored and what is logged."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from geo_app import create_app
from geo_app.auth import users
from geo_app.planning import scenarios
from geo_app.web.auth import identity, secret_key
from tests.conftest import BOTH_BACKENDS, LAYERS, TEST_PASSWORD, use_token

SAVE = {"name": "one more toilet", "type": "toilets", "districts": "320508", "k": "1", "spacing": "500"}
STUB_RESULT = {
    "request": {"type": "toilets"},
    "coverage": {"before_pct": 1, "after_pct": 2},
    "sites": {"type": "FeatureCollection", "features": []},
}


def _store(client):
    return client.application.extensions["geo_app"]["store"]


def _app(store_path, tmp_path, **settings):
    return create_app(
        {
            "STORE": str(store_path),
            "LAYERS_DIR": str(LAYERS),
            "TESTING": True,
            "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
            **settings,
        }
    )


def login(client, name: str, password: str = TEST_PASSWORD, **extra):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token, **extra})


def page_csrf(client) -> str:
    """The CSRF token a logged-in page carries for its scripts."""
    page = client.get("/about").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def logged_in(client, role: str) -> str:
    name = f"session-{role}"
    users.add(_store(client), name, role, TEST_PASSWORD)
    assert login(client, name).status_code == 302
    return page_csrf(client)


# ---- the command line ----------------------------------------------------------------------------------------


@BOTH_BACKENDS
def test_cli_adds_lists_tokens_and_disables_users(app, runner, client, tmp_path, backend):
    secret = tmp_path / "password.txt"
    secret.write_text("an admin's password\n", encoding="utf-8")
    done = runner.invoke(args=["users", "add", "wang", "--role", "admin", "--password-file", str(secret)])
    assert done.exit_code == 0, done.output
    done = runner.invoke(
        args=["users", "add", "li", "--role", "supervisor", "--grids", "320508001001001,320508001002001"],
        input="li's password 1\nli's password 1\n",
    )
    assert done.exit_code == 0, done.output
    listed = runner.invoke(args=["users", "list"]).output.splitlines()
    assert [line.split("\t")[:3] for line in listed] == [["li", "supervisor", "active"], ["wang", "admin", "active"]]
    assert listed[0].endswith("320508001001001,320508001002001")
    assert "argon2" not in "".join(listed) and "password" not in "".join(listed)

    first = runner.invoke(args=["users", "token", "wang"]).output.strip()
    second = runner.invoke(args=["users", "token", "wang"]).output.strip()
    assert len(first) >= 40 and first != second
    assert client.get("/api/layers", headers={"Authorization": f"Bearer {first}"}).status_code == 401  # replaced
    assert client.get("/api/layers", headers={"Authorization": f"Bearer {second}"}).status_code == 200

    assert runner.invoke(args=["users", "disable", "wang"]).exit_code == 0
    assert "wang\tadmin\tdisabled" in runner.invoke(args=["users", "list"]).output
    assert client.get("/api/layers", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    assert login(client, "wang", "an admin's password").status_code == 403
    assert runner.invoke(args=["users", "token", "wang"]).exit_code != 0


def test_cli_changes_role_grids_department_and_password(app, runner, client, tmp_path):
    store = _store(client)
    users.add(store, "li", "supervisor", TEST_PASSWORD, grids=("320508001001001",))
    token = users.new_token(store, "li")
    csrf = logged_in(client, "planner")
    done = runner.invoke(args=["users", "set", "li", "--grids", "320508001002001,320508001001001"])
    assert done.exit_code == 0 and users.get(store, "li").grids == ("320508001002001", "320508001001001")
    done = runner.invoke(args=["users", "set", "li", "--role", "handler", "--department", "utilities"])
    assert done.exit_code == 0, done.output
    li = users.get(store, "li")
    assert (li.role, li.grids, li.department) == ("handler", (), "utilities")  # a handler has no grids
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/layers", headers=headers).status_code == 200  # the token stays with a new role
    assert "li\thandler\tactive" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "set", "li", "--department", ""]).exit_code == 0
    assert users.get(store, "li").department is None

    # a new password: the token is revoked, a session made with the old password ends, the new one logs in
    done = runner.invoke(args=["users", "passwd", "session-planner"], input="a new password 2\na new password 2\n")
    assert done.exit_code == 0, done.output
    assert client.post("/api/plan/scenarios", data=SAVE, headers={"X-CSRFToken": csrf}).status_code == 401
    assert login(client, "session-planner").status_code == 401  # the old password: refused
    assert login(client, "session-planner", "a new password 2").status_code == 302
    secret = tmp_path / "p.txt"
    secret.write_text("li's new password\n", encoding="utf-8")
    assert runner.invoke(args=["users", "passwd", "li", "--password-file", str(secret)]).exit_code == 0
    assert client.get("/api/layers", headers=headers).status_code == 401
    assert users.authenticate(store, "li", "li's new password") is not None


@pytest.mark.parametrize(
    "args, message",
    [
        (["users", "add", "x", "--role", "mayor"], "'mayor' is not one of"),
        (["users", "set", "nobody", "--role", "planner"], "no user 'nobody'"),
        (["users", "set", "first", "--grids", "320508001001001"], "supervisors only"),
        (["users", "set", "first", "--role", "supervisor", "--grids", "999"], "no grid '999'"),
        (["users", "set", "first"], "give --role, --grids or --department"),
        (["users", "passwd", "nobody"], "no user 'nobody'"),
        (["users", "passwd", "first", "--password-file", "short.txt"], "10 to 1024 characters"),
        (["users", "add", "bad name", "--role", "planner"], "letters, digits"),
        (["users", "add", "zhao", "--role", "planner", "--password-file", "short.txt"], "10 to 1024 characters"),
        (["users", "add", "x", "--role", "supervisor", "--grids", "320508001001001,999"], "no grid '999'"),
        (["users", "add", "x", "--role", "planner", "--grids", "320508001001001"], "supervisors only"),
        (["users", "add", "x", "--role", "admin", "--department", "环卫处"], "handlers only"),
        (["users", "token", "nobody"], "no active user 'nobody'"),
        (["users", "disable", "nobody"], "no user 'nobody'"),
    ],
)
def test_cli_refuses_bad_input_with_a_reason(runner, client, tmp_path, monkeypatch, args, message):
    users.add(_store(client), "first", "planner", TEST_PASSWORD)
    monkeypatch.chdir(tmp_path)
    Path("short.txt").write_text("short\n", encoding="utf-8")
    done = runner.invoke(args=args, input="a good long password\na good long password\n")
    assert done.exit_code != 0 and message in done.output


def test_a_name_is_added_once(runner, tmp_path):
    secret = tmp_path / "p.txt"
    secret.write_text("a good long password", encoding="utf-8")
    assert (
        runner.invoke(args=["users", "add", "zhou", "--role", "planner", "--password-file", str(secret)]).exit_code == 0
    )
    again = runner.invoke(args=["users", "add", "zhou", "--role", "admin", "--password-file", str(secret)])
    assert again.exit_code != 0 and "exists already" in again.output


def test_passwords_and_tokens_are_never_stored_in_clear(client, store):
    token = users.new_token(store, use_token(client, "planner"))
    rows = store.read("users")
    text = rows.to_csv(index=False)
    assert TEST_PASSWORD not in text and token not in text
    assert rows["password_hash"].iloc[0].startswith("$argon2id$")
    assert rows["token_hash"].iloc[0] == users.token_hash(token)


# ---- login, logout, sessions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, words", [("zh", ["登录", "用户名", "密码"]), ("en", ["Log in", "User name", "Password"])]
)
def test_login_page_in_both_languages(client, lang, words):
    html = client.get(f"/login?lang={lang}").get_data(as_text=True)
    assert all(w in html for w in words) and 'name="csrf_token"' in html


@BOTH_BACKENDS
def test_login_and_logout(client, backend, caplog):
    caplog.set_level(logging.INFO, logger="geo_app")
    users.add(_store(client), "chen", "planner", TEST_PASSWORD)
    wrong = login(client, "chen", "not the password")
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.get_data(as_text=True)
    done = login(client, "chen", next="/plan?type=toilets")
    assert done.status_code == 302 and done.headers["Location"] == "/plan?type=toilets"
    cookie = done.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = client.get("/plan?type=toilets&basemap=none").get_data(as_text=True)
    assert 'id="save-form"' in page and "chen" in page and 'name="csrf-token"' in page
    csrf = page_csrf(client)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    page = client.get("/plan?type=toilets&basemap=none").get_data(as_text=True)
    assert 'id="save-form"' not in page and 'id="login-to-save"' in page  # (its CSRF token stays: anyone may run)
    assert client.post("/api/plan/scenarios", data=SAVE, headers={"X-CSRFToken": csrf}).status_code == 401
    logged = caplog.text
    assert "failed login: name='chen'" in logged and "login: chen (planner)" in logged and "logout: chen" in logged
    assert TEST_PASSWORD not in logged and "not the password" not in logged


def test_the_session_cookie_is_secure_behind_https(store_path, tmp_path):
    client = _app(store_path, tmp_path, SESSION_COOKIE_SECURE=True).test_client()
    users.add(_store(client), "sun", "planner", TEST_PASSWORD)
    assert "Secure" in login(client, "sun").headers["Set-Cookie"]


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_login_never_redirects_to_another_site(client, target):
    users.add(_store(client), "he", "planner", TEST_PASSWORD)
    assert login(client, "he", next=target).headers["Location"] == "/"


def test_a_disabled_users_session_ends(client):
    csrf = logged_in(client, "planner")
    users.disable(_store(client), "session-planner")
    assert client.post("/api/plan/scenarios", data=SAVE, headers={"X-CSRFToken": csrf}).status_code == 401
    refused = login(client, "session-planner")
    assert refused.status_code == 403 and "该账户已停用" in refused.get_data(as_text=True)


def test_logging_out_ends_the_session_even_for_a_copied_cookie(client, app):
    csrf = logged_in(client, "planner")
    copied = app.test_client()
    copied.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), client.get_cookie("session").value)
    assert copied.post("/api/plan/scenarios", data=SAVE, headers={"X-CSRFToken": csrf}).status_code == 201
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    assert copied.post("/api/plan/scenarios", data=SAVE, headers={"X-CSRFToken": csrf}).status_code == 401
    assert login(client, "session-planner").status_code == 302  # a new login works again


def test_the_login_form_takes_each_field_once(client):
    users.add(_store(client), "twice", "planner", TEST_PASSWORD)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    from werkzeug.datastructures import MultiDict

    refused = client.post(
        "/login",
        data=MultiDict(
            [
                ("name", "twice"),
                ("name", "other"),
                ("password", TEST_PASSWORD),
                ("password", "wrong password"),
                ("csrf_token", token),
            ]
        ),
    )
    assert refused.status_code == 400 and "given 2 times" in refused.get_data(as_text=True)


def test_names_differing_only_in_case_are_one_user(client):
    users.add(_store(client), "Zhao", "planner", TEST_PASSWORD)
    with pytest.raises(users.UserError, match="differ only in case"):
        users.add(_store(client), "zhao", "admin", TEST_PASSWORD)


def test_a_bad_token_is_refused_even_for_public_data(client):
    response = client.get("/api/layers", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "valid API token" in response.get_json()["error"]["message"]
    assert client.get("/api/layers").status_code == 200  # public data needs no login


def test_the_session_key_is_made_once_and_kept_private(tmp_path):
    path = tmp_path / "instance" / "secret_key"
    first, second = secret_key(path), secret_key(path)
    assert first == second and len(first) == 64 and path.stat().st_mode & 0o777 == 0o600


# ---- the permission matrix -----------------------------------------------------------------------------------

ROLES = [None, *users.ROLES]  # None: anonymous
# protected by CSRF, open to anyone: logging in and out; starting a siting run (bounded by the size budget, the run
# slots and the rate limits; it changes no stored data) and cancelling one by its unguessable job URL
PUBLIC_WRITES = {
    "auth.login",
    "auth.logout",
    "api.job_start",
    "api.job_cancel",
    "cases.report",
    "open311.post_request",
}  # public problem reports: rate-limited (test_cases)


def _write_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}}


def test_every_state_changing_route_needs_a_role(app):
    needing = {e for e in _write_endpoints(app) if identity.required_roles(app.view_functions[e]) is not None}
    assert _write_endpoints(app) - needing == PUBLIC_WRITES
    assert needing == set(MATRIX), "a new state-changing route needs a row in MATRIX"


def _save(client, store):
    return client.post("/api/plan/scenarios", data=SAVE)


def _delete_own(client, store):
    scenario = scenarios.save(store, "mine", STUB_RESULT, owner=client.user_name)
    return client.delete(f"/api/plan/scenarios/{scenario}")


def _delete_others(client, store):
    scenario = scenarios.save(store, "theirs", STUB_RESULT, owner="someone-else")
    return client.delete(f"/api/plan/scenarios/{scenario}")


def _accept_case(client, store):
    from geo_app.cases import service

    grid = store.read("grids", limit=1).iloc[0].geometry.representative_point()
    case = service.report(
        store,
        client.application.extensions["geo_app"]["project"],
        service_code="E0101",
        lon=grid.x,
        lat=grid.y,
        source="patrol",
        reporter="fixture",
    )
    return client.post(f"/api/cases/{case['id']}/actions", data={"action": "accept", "version": "1"})


def _bulk_accept(client, store):
    from geo_app.cases import service

    grid = store.read("grids", limit=1).iloc[0].geometry.representative_point()
    project = client.application.extensions["geo_app"]["project"]
    case = service.report(
        store, project, service_code="E0101", lon=grid.x, lat=grid.y, source="patrol", reporter="fixture"
    )
    return client.post("/api/work/bulk", json={"action": "accept", "cases": [{"id": case["id"], "version": 1}]})


# route -> (request, {role: expected status}); anonymous is always 401
MATRIX = {
    "cases.case_action": [(_accept_case, {"admin": 200, "dispatcher": 200})],
    "work.bulk_step": [(_bulk_accept, {"admin": 200, "dispatcher": 200})],
    "api.scenario_save": [(_save, {"admin": 201, "planner": 201})],
    "api.scenario_delete": [
        (_delete_own, {"admin": 200, "planner": 200}),
        (_delete_others, {"admin": 200, "planner": 403}),
    ],
}


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_permission_matrix(app, store, endpoint):
    for make_request, allowed in MATRIX[endpoint]:
        for role in ROLES:
            client = app.test_client()
            client.user_name = use_token(client, role) if role else None
            before = store.count("scenarios")
            response = make_request(client, store)
            expected = 401 if role is None else allowed.get(role, 403)
            assert response.status_code == expected, (endpoint, make_request.__name__, role, response.get_json())
            if expected >= 400:
                assert response.get_json()["error"]["status"] == expected
                assert store.count("scenarios") >= before  # a refused delete deleted nothing


def test_a_refusal_names_the_role_needed(client):
    use_token(client, "handler")
    message = client.post("/api/plan/scenarios", data=SAVE).get_json()["error"]["message"]
    assert "planner or admin" in message and "test-handler is handler" in message


def test_an_owner_is_recorded_and_listed(client, planner):
    saved = client.post("/api/plan/scenarios", data=SAVE).get_json()
    listed = client.get("/api/plan/scenarios").get_json()["scenarios"]
    assert [(s["id"], s["owner"]) for s in listed] == [(saved["id"], planner)]


def test_scenarios_saved_before_owners_existed_are_admin_only(store_path, tmp_path):
    """Migration 4 gives the scenarios table an owner column; older scenarios have none."""
    from geo_app.data.migrations import migrate
    from geo_app.project import Project
    from geo_app.store import open_store

    store = open_store(store_path)
    old = scenarios.save(store, "from before", STUB_RESULT, owner="x")
    with store.transaction() as tx:
        tx.replace("scenarios", tx.read("scenarios").drop(columns="owner"), indexes=("id",))
        tx.drop("users")
        tx.set_meta("schema_version", "2")
    assert migrate(store, Project(LAYERS))[:2] == ["3: users with roles", "4: scenario owners"]
    assert store.read("scenarios", where={"id": old})["owner"].isna().all()
    client = _app(store_path, tmp_path).test_client()
    use_token(client, "planner")
    assert client.delete(f"/api/plan/scenarios/{old}").status_code == 403
    use_token(client, "admin")
    assert client.delete(f"/api/plan/scenarios/{old}").status_code == 200


# ---- CSRF ----------------------------------------------------------------------------------------------------


def test_a_session_write_needs_the_csrf_token(client, store):
    csrf = logged_in(client, "planner")
    missing = client.post("/api/plan/scenarios", data=SAVE)
    assert missing.status_code == 403 and "CSRF token is missing" in missing.get_json()["error"]["message"]
    assert client.post("/api/plan/scenarios", data=SAVE, headers={"X-CSRFToken": "forged"}).status_code == 403
    assert store.count("scenarios") == 0
    saved = client.post("/api/plan/scenarios", data=SAVE, headers={"X-CSRFToken": csrf, "Origin": "http://localhost"})
    assert saved.status_code == 201


def test_cross_site_posts_and_deletes_are_refused(client, store):
    csrf = logged_in(client, "admin")
    evil = {"Origin": "https://evil.example", "X-CSRFToken": csrf}
    # a form on another site that posts itself (the browser sends the victim's cookie and the foreign Origin)
    form = client.post(
        "/api/plan/scenarios", data={**SAVE, "csrf_token": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert form.status_code == 403 and "https://evil.example" in form.get_json()["error"]["message"]
    assert client.post("/api/plan/scenarios", data=SAVE, headers={**evil, "Origin": "null"}).status_code == 403
    kept = scenarios.save(store, "keep", STUB_RESULT, owner="session-admin")
    assert client.delete(f"/api/plan/scenarios/{kept}", headers=evil).status_code == 403
    assert (
        client.post("/logout", data={"csrf_token": csrf}, headers={"Origin": "https://evil.example"}).status_code == 403
    )
    assert store.count("scenarios") == 1
    assert client.delete(f"/api/plan/scenarios/{kept}", headers={"X-CSRFToken": csrf}).status_code == 200


def test_the_login_form_is_csrf_protected(client):
    users.add(_store(client), "qian", "planner", TEST_PASSWORD)
    response = client.post("/login", data={"name": "qian", "password": TEST_PASSWORD})
    assert response.status_code == 403


def test_the_origin_is_the_public_base_url_when_set(store_path, tmp_path):
    client = _app(store_path, tmp_path, PUBLIC_BASE_URL="https://map.example.cn/").test_client()
    csrf = logged_in(client, "admin")
    kept = scenarios.save(_store(client), "keep", STUB_RESULT, owner="session-admin")
    url = f"/api/plan/scenarios/{kept}"
    assert client.delete(url, headers={"X-CSRFToken": csrf, "Origin": "http://localhost"}).status_code == 403
    assert client.delete(url, headers={"X-CSRFToken": csrf, "Origin": "https://map.example.cn"}).status_code == 200


def test_token_requests_need_no_csrf_token_but_a_role(client):
    use_token(client, "planner")
    assert client.post("/api/plan/scenarios", data=SAVE).status_code == 201


# ---- rate limits ---------------------------------------------------------------------------------------------


def test_writes_are_limited_per_user(store_path, tmp_path):
    app = _app(store_path, tmp_path, RATE_LIMIT_WRITES="2 per minute")
    one, other = app.test_client(), app.test_client()
    use_token(one, "planner", "one")
    use_token(other, "planner", "other")
    kept = scenarios.save(_store(one), "keep", STUB_RESULT, owner="nobody")
    statuses = [one.delete(f"/api/plan/scenarios/{kept}").status_code for _ in range(3)]
    assert statuses == [403, 403, 429]
    limited = one.delete(f"/api/plan/scenarios/{kept}")
    assert int(limited.headers["Retry-After"]) > 0 and limited.get_json()["error"]["status"] == 429
    assert other.delete(f"/api/plan/scenarios/{kept}").status_code == 403  # counted per user
    assert one.get("/api/layers").status_code == 200  # reads are not writes


def test_anonymous_requests_are_limited_per_client(store_path, tmp_path):
    app = _app(store_path, tmp_path, RATE_LIMIT_ANONYMOUS="3 per minute")
    anonymous, signed_in = app.test_client(), app.test_client()
    use_token(signed_in, "planner")
    assert [anonymous.get("/api/layers").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert anonymous.get("/static/site.css").status_code == 200  # static files are not counted
    assert anonymous.get("/api/layers", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    assert [signed_in.get("/api/layers").status_code for _ in range(5)] == [200] * 5


def test_login_attempts_are_limited(store_path, tmp_path):
    client = _app(store_path, tmp_path, RATE_LIMIT_LOGIN="2 per minute").test_client()
    users.add(_store(client), "guo", "planner", TEST_PASSWORD)
    assert login(client, "guo", "wrong password 1").status_code == 401
    assert login(client, "guo", "wrong password 2").status_code == 401
    assert login(client, "guo").status_code == 429  # even the right password, until the minute is up


def test_a_mistyped_limit_stops_the_start(store_path, tmp_path):
    with pytest.raises(ValueError, match="GEO_APP_RATE_LIMIT_WRITES: '30 a minute' is not a rate limit"):
        _app(store_path, tmp_path, RATE_LIMIT_WRITES="30 a minute")


def test_every_write_is_logged_with_the_user(client, caplog):
    caplog.set_level(logging.INFO, logger="geo_app")
    use_token(client, "planner")
    token = client.environ_base["HTTP_AUTHORIZATION"].split()[1]
    client.post("/api/plan/scenarios", data=SAVE)
    assert "write: POST '/api/plan/scenarios' by test-planner" in caplog.text and "-> 201" in caplog.text
    assert token not in caplog.text
