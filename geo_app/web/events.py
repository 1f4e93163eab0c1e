"""Live updates (GET /api/work/events): Server-Sent Events of the case events a user may see (cases/feed.py).

Signed-in staff (a session or a bearer token) get the events of their work: dispatcher and admin all, a handler
their department's, a supervisor their grids' and their own reports'. Anyone may follow one case (`case=<id>`:
what its page shows anyway, without names). `Last-Event-ID` (sent by the browser when it reconnects) or
`last_event_id` resumes after that serial: the events missed are read from the store, at most feed.BACKLOG_MAX;
beyond that, an `event: reset` tells the page to load its list again.

This view decides (who, from where) and answers every refusal; the stream itself is held by the ASGI server
(web/asgi.py), which takes the subscription this view leaves in the request's ASGI scope and keeps the connection
on its event loop: an open stream ties up no thread. Under a plain WSGI server (no ASGI scope) the answer is the
events missed so far and `retry:`, so the browser asks again after RETRY_WSGI_MS."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, request
from flask_login import current_user

from geo_app.cases import feed, service, work
from geo_app.checks import parse_whole, shown
from geo_app.errors import BadParameter, TooMany, Unavailable
from geo_app.web import context
from geo_app.web.errors import check_params

bp = Blueprint("events", __name__, url_prefix="/api")
SCOPE_KEY = "geo_app.events"  # where the view leaves the Subscription in the ASGI scope
MAX_STREAMS = 2000  # open streams per process (each a callback and a few KB on the event loop)
# open streams per client and process: a user (a person's tabs and phone), or an address for those who follow a
# case without a login; beyond it a 429, so that no one client holds the slots everyone's live updates need
MAX_PER_CLIENT = 20
RETRY_MS = 3000  # the browser reconnects after this when a stream ends
RETRY_WSGI_MS = 5000
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}  # nginx: pass each event on at once
MAX_SERIAL = 2**62


@dataclass
class Subscription:
    scope: feed.Scope
    after: int  # the serial the stream has sent up to
    client: str = ""  # whose stream it is (MAX_PER_CLIENT)
    first: list[dict] = field(default_factory=list)  # what to send before the live events (the backlog)
    reset: bool = False  # the backlog was too long: the page should load its list again


def feed_of(app) -> feed.CaseFeed:
    """The process's case feed (made on first use)."""
    found = app.extensions["geo_app"]
    if "feed" not in found:
        found["feed"] = feed.CaseFeed(found["store"])
    return found["feed"]


def message(event: dict) -> str:
    """One case event as an SSE message (id: its serial, so a reconnect resumes after it)."""
    return f"id: {event['serial']}\nevent: case\ndata: {json.dumps(feed.shown(event), ensure_ascii=False)}\n\n"


def opening(sub: Subscription) -> str:
    """What a stream starts with: the events missed (or `reset` when too many were), then `ready` with the serial
    it is up to: its id is the browser's Last-Event-ID from then on, also when no event follows."""
    missed = "event: reset\ndata: {}\n\n" if sub.reset else "".join(message(e) for e in sub.first)
    return f"{missed}id: {sub.after}\nevent: ready\ndata: {json.dumps({'serial': sub.after})}\n\n"


def _scope(args) -> feed.Scope:
    if "case" in args:
        case_id = args["case"].strip()
        if not work.CASE_NUMBER.fullmatch(case_id):
            raise BadParameter("case", f"{shown(case_id)} is not a case number")
        service.get(context.store(), case_id)  # NotFound for an unknown case
        return feed.Scope(case_id=case_id)
    return feed.staff_scope(current_user)


def _last_event_id(args) -> int | None:
    text = request.headers.get("Last-Event-ID") or args.get("last_event_id")
    if text is None or not text.strip():
        return None
    return parse_whole("last_event_id", text.strip(), 0, MAX_SERIAL)


@bp.get("/work/events")
def events():
    args = request.args
    check_params(args, {"case", "last_event_id", "lang"})
    scope = _scope(args)
    the_feed = feed_of(current_app)
    if the_feed.subscribers >= MAX_STREAMS:
        raise Unavailable(None, f"this server holds {MAX_STREAMS} event streams already; try again shortly")
    client = f"user:{current_user.name}" if current_user.is_authenticated else f"address:{request.remote_addr}"
    if the_feed.held(client) >= MAX_PER_CLIENT:
        raise TooMany(None, f"{MAX_PER_CLIENT} event streams are open for you already: close one (a tab) first")
    store = context.store()
    last = _last_event_id(args)
    now = feed.latest(store)
    sub = Subscription(scope=scope, after=now, client=client)
    if last is not None and last < now:
        missed, complete = feed.backlog(store, last)
        if complete:
            sub.first = [e for e in missed if scope.sees(e)]
            sub.after = max([last] + [e["serial"] for e in missed])
        else:
            sub.reset = True
    asgi = request.environ.get("asgi.scope")
    if asgi is not None:
        asgi[SCOPE_KEY] = sub
        return Response("", mimetype="text/event-stream", headers=HEADERS)
    return Response(opening(sub) + f"retry: {RETRY_WSGI_MS}\n\n", mimetype="text/event-stream", headers=HEADERS)
