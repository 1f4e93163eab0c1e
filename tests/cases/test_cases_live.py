"""Live updates: event serials, who sees which event, the event stream's refusals and resumption
(GET /api/work/events), the per-process feed following the store (LISTEN/NOTIFY on PostGIS, the file's version
on GeoPackage), and a real server (gunicorn's asgi worker, two processes) carrying a report to a dispatcher's
open stream."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request

import pytest

from geo_app.cases import feed
from geo_app.cases.tables import EVENT_SEQ, EVENTS
from geo_app.store import open_store
from geo_app.web import events as events_view
from tests.cases.test_cases import People, act, report
from tests.cases_support import bearer, person
from tests.conftest import BOTH_BACKENDS, copy_store_file
from tests.live import LiveServer, wait_until


@pytest.fixture
def people(store):
    return People(store)


def parse(text: str) -> list[dict]:
    """SSE messages as dicts of their fields (data parsed as JSON)."""
    out = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if fields and set(fields) != {"retry"}:
            if "data" in fields:
                fields["data"] = json.loads(fields["data"])
            out.append(fields)
    return out


def stream(client, token=None, expect=200, **params):
    response = client.get("/api/work/events", query_string=params, headers=bearer(token) if token else {})
    assert response.status_code == expect, response.get_data(as_text=True)
    return parse(response.get_data(as_text=True)) if expect == 200 else response.get_json()


@BOTH_BACKENDS
def test_every_step_gets_the_next_serial_which_a_restore_never_hands_out_again(client, people, store, tmp_path):
    first = report(client, people["supervisor"], place=people["place"])
    act(client, people["dispatcher"], first, "accept")
    serials = [e["serial"] for e in store.records(EVENTS, where={"case_id": first["id"]}, order_by="seq")]
    assert serials == [serials[0], serials[0] + 1] and int(store.meta(EVENT_SEQ)) == serials[1]
    backup = tmp_path / f"before.{store.backup_suffix}"
    store.backup(backup)
    report(client, people["supervisor"], place=people["place"])
    high = int(store.meta(EVENT_SEQ))
    store.restore(backup)
    later = report(client, people["supervisor"], place=people["place"])
    assert store.records(EVENTS, where={"case_id": later["id"]})[0]["serial"] == high + 1


def test_each_scope_sees_the_events_of_its_work():
    event = {"case_id": "SZ1", "department": "utilities", "grid_code": "g1", "reporter": "sup"}
    assert feed.Scope(role="dispatcher").sees(event) and feed.Scope(role="admin").sees(event)
    assert feed.Scope(role="handler", department="utilities").sees(event)
    assert not feed.Scope(role="handler", department="sanitation").sees(event)
    assert not feed.Scope(role="handler", department=None).sees({**event, "department": None})
    assert feed.Scope(role="supervisor", grids=frozenset({"g1"}), name="x").sees(event)
    assert feed.Scope(role="supervisor", grids=frozenset({"g2"}), name="sup").sees(event)  # their own report
    assert not feed.Scope(role="supervisor", grids=frozenset({"g2"}), name="other").sees(event)
    assert not feed.Scope(role="supervisor", grids=frozenset(), name=None).sees({**event, "reporter": None})
    assert feed.Scope(case_id="SZ1").sees(event) and not feed.Scope(case_id="SZ2").sees(event)
    assert not feed.Scope(role="planner").sees(event)
    # what is sent never names who acted
    assert "actor" not in feed.shown({**event, "actor": "张三", "serial": 1})


def test_the_stream_refuses_who_may_not_listen_and_bad_input(client, people):
    assert stream(client, expect=401)["error"]["status"] == 401
    assert stream(client, people["planner"], expect=403)["error"]["status"] == 403
    assert "last_event_id" in stream(client, people["dispatcher"], expect=400, last_event_id="-1")["error"]["message"]
    assert "last_event_id" in stream(client, people["dispatcher"], expect=400, last_event_id="x")["error"]["message"]
    assert stream(client, expect=400, case="<script>")["error"]["status"] == 400
    assert stream(client, expect=404, case="SZ000000000000")["error"]["status"] == 404
    assert stream(client, people["dispatcher"], expect=400, since="1")["error"]["status"] == 400


def test_a_resumed_stream_sends_what_was_missed_that_its_user_may_see(client, people):
    ready = stream(client, people["dispatcher"])
    assert [m["event"] for m in ready] == ["ready"]
    start = int(ready[0]["id"])
    new = report(client, people["supervisor"], place=people["place"])
    act(client, people["dispatcher"], new, "accept")
    seen = stream(client, people["dispatcher"], last_event_id=str(start))
    cases = [m for m in seen if m["event"] == "case"]
    assert [(m["data"]["case_id"], m["data"]["to_status"]) for m in cases] == [
        (new["id"], "reported"),
        (new["id"], "accepted"),
    ]
    assert [int(m["id"]) for m in cases] == [start + 1, start + 2] and int(seen[-1]["id"]) == start + 2
    # a handler of another department: nothing, but their Last-Event-ID moves on past it
    other = stream(client, people["other_handler"], last_event_id=str(start))
    assert [m["event"] for m in other] == ["ready"] and int(other[0]["id"]) == start + 2
    # anyone may follow the one case, without names
    followed = stream(client, case=new["id"], last_event_id=str(start))
    assert [m["data"]["action"] for m in followed if m["event"] == "case"] == ["report", "accept"]
    assert all("actor" not in m["data"] for m in followed if m["event"] == "case")
    # the browser's own header counts like the parameter
    header = client.get("/api/work/events", headers={**bearer(people["dispatcher"]), "Last-Event-ID": str(start + 1)})
    assert [m["data"]["to_status"] for m in parse(header.get_data(as_text=True)) if m["event"] == "case"] == [
        "accepted"
    ]


def test_a_stream_too_far_behind_is_told_to_load_its_list_again(client, people, monkeypatch):
    start = int(stream(client, people["dispatcher"])[0]["id"])
    monkeypatch.setattr(feed, "BACKLOG_MAX", 1)
    report(client, people["supervisor"], place=people["place"])
    report(client, people["supervisor"], place=people["place"])
    seen = stream(client, people["dispatcher"], last_event_id=str(start))
    assert [m["event"] for m in seen] == ["reset", "ready"] and int(seen[-1]["id"]) == start + 2


@BOTH_BACKENDS
def test_the_feed_wakes_its_subscribers_when_another_process_writes(client, people, store_path):
    """The feed follows the store through its own connection: a write by another store object (another process's
    view of the same store) wakes it, with the event and the fields scopes need."""
    own = open_store(store_path)
    case_feed = feed.CaseFeed(own)
    woken = threading.Event()
    start = case_feed.subscribe(woken.set)
    try:
        new = report(client, people["supervisor"], place=people["place"])
        assert woken.wait(15), "the feed was not woken by a write"
        found = wait_until(lambda: case_feed.after(start) or None, 15, "the event in the feed")
        assert [(e["case_id"], e["to_status"], e["grid_code"]) for e in found] == [
            (new["id"], "reported", people["place"].grid)
        ]
        assert case_feed.after(start - 10) is None  # older than the feed holds
    finally:
        case_feed.unsubscribe(woken.set)
        case_feed.stop()  # its store is gone with the test
        own.close()


def read_stream(url: str, headers: dict, until, seconds: float = 60) -> list[dict]:
    """Reads an event stream until `until(messages)` holds (or the server ends it); returns the messages."""
    request = urllib.request.Request(url, headers=headers)
    messages, block = [], []
    with urllib.request.urlopen(request, timeout=seconds) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        for raw in response:
            line = raw.decode().rstrip("\n")
            if line:
                block.append(line)
                continue
            messages += parse("\n".join(block))
            block = []
            if until(messages):
                break
    return messages


@pytest.mark.slow
def test_a_report_reaches_an_open_stream_through_the_asgi_server(tmp_path, built_store_path, project):
    """Two worker processes: the stream is held by one, the report may land on the other; the stream carries it,
    a second stream of a handler of another department does not, and a reconnect with Last-Event-ID gets it."""
    path = tmp_path / "suzhou.gpkg"
    copy_store_file(built_store_path, path)
    store = open_store(path)
    dispatcher = person(store, "disp", "dispatcher")
    other = person(store, "hand2", "handler", department="sanitation")
    supervisor_people = People(store)
    place, supervisor = supervisor_people.place, supervisor_people["supervisor"]
    store.close()
    server = LiveServer(path, workers=2, SECRET_KEY_FILE=tmp_path / "secret_key")
    try:
        url = server.url + "/api/work/events"
        got: dict[str, list] = {}

        def listen(name, token, until):
            got[name] = read_stream(url, bearer(token), until)

        readers = [
            threading.Thread(target=listen, args=("disp", dispatcher, lambda m: any(x["event"] == "case" for x in m))),
            threading.Thread(target=listen, args=("other", other, lambda m: len(m) >= 1)),
        ]
        for reader in readers:
            reader.start()
        time.sleep(1.0)  # both streams open
        form = {"service_code": "C0101", "description": "live", "lon": str(place.lon), "lat": str(place.lat)}
        body = "&".join(f"{k}={urllib.parse.quote(v)}" for k, v in form.items()).encode()
        answer = urllib.request.urlopen(
            urllib.request.Request(server.url + "/api/cases", data=body, headers=bearer(supervisor)), timeout=30
        )
        case_id = json.loads(answer.read())["id"]
        for reader in readers:
            reader.join(60)
        case_events = [m for m in got["disp"] if m["event"] == "case"]
        assert case_events[0]["data"]["case_id"] == case_id and case_events[0]["data"]["to_status"] == "reported"
        assert [m["event"] for m in got["other"]] == ["ready"]
        ready = int(got["disp"][0]["id"])
        resumed = read_stream(
            url, {**bearer(dispatcher), "Last-Event-ID": str(ready)}, lambda m: any(x["event"] == "ready" for x in m)
        )
        assert [m["data"]["case_id"] for m in resumed if m["event"] == "case"] == [case_id]
    finally:
        server.stop()


def test_a_plain_wsgi_server_answers_with_a_retry(client, people):
    """Without the ASGI server the view answers at once and tells the browser when to ask again."""
    response = client.get("/api/work/events", headers=bearer(people["dispatcher"]))
    assert f"retry: {events_view.RETRY_WSGI_MS}" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_one_client_may_hold_only_so_many_streams(client, people, monkeypatch):
    """The slots are everyone's: a user (or an address following a case) beyond MAX_PER_CLIENT gets a 429."""
    app_feed = events_view.feed_of(client.application)
    # the dispatcher holds the most (counted without starting the feed's thread: no stream runs under the test client)
    monkeypatch.setitem(app_feed._held, "user:disp", events_view.MAX_PER_CLIENT)
    assert stream(client, people["dispatcher"], expect=429)["error"]["status"] == 429
    assert stream(client, people["handler"])[0]["event"] == "ready"  # another user is not held back


def test_the_asgi_service_holds_the_stream_under_any_spelling_of_its_path(client, people, store_path):
    """`//api/work/events` reaches the same view through Flask; the ASGI layer must hold it too (and start it with
    `ready`), not pass on the view's empty body and close, which would have the browser ask again every 3 s."""
    import asyncio

    from geo_app import create_asgi
    from tests.conftest import LAYERS

    case_id = report(client, people["supervisor"], place=people["place"])["id"]
    service = create_asgi({"STORE": str(store_path), "LAYERS_DIR": str(LAYERS), "TESTING": True})

    async def run(path: str) -> bytes:
        scope = {"type": "http", "path": path, "method": "GET", "query_string": f"case={case_id}".encode(),
                 "headers": [], "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 80),
                 "client": ("127.0.0.1", 1)}  # fmt: skip
        asked = []

        async def receive():  # the request, then the client goes away
            asked.append(1)
            if len(asked) > 1:
                await asyncio.sleep(0.2)
                return {"type": "http.disconnect"}
            return {"type": "http.request", "body": b"", "more_body": False}

        body = []

        async def send(message):
            body.append(message.get("body", b""))

        await asyncio.wait_for(service(scope, receive, send), 30)
        return b"".join(body)

    for path in ("/api/work/events", "//api/work/events"):
        assert b"event: ready" in asyncio.run(run(path)), path
    assert b"event: ready" not in asyncio.run(run("/api//work/events"))  # Flask redirects this one: not a stream
    events_view.feed_of(service.app).stop()  # its store is gone with the test
