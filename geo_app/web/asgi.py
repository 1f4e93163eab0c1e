"""The service as an ASGI application, what `make run` serves (gunicorn's asgi worker):

- every request goes to the Flask app, run in a pool of WSGI_THREADS threads per process (a2wsgi): a client that
  sends its request slowly holds a connection on the event loop, not a thread, until the request is complete;
- an event stream (web/events.py) is answered by the Flask view (who may, from where, every refusal) and then held
  here, on the event loop: a wake-up from the process's case feed, the events the subscriber may see, a comment
  every HEARTBEAT_S so proxies keep the connection, and an end after STREAM_S (the browser reconnects with its
  Last-Event-ID and is checked again: a logout, a disabled user or a changed role takes effect within a minute)."""

from __future__ import annotations

import asyncio
import re

from a2wsgi import WSGIMiddleware
from flask import Flask

from geo_app.web import events

WSGI_THREADS = 8
HEARTBEAT_S = 20.0
STREAM_S = 60.0  # then the browser asks again and is checked again: a logout or a disabled user stops within it
EVENTS_PATH = "/api/work/events"


class Service:
    def __init__(self, app: Flask, threads: int = WSGI_THREADS):
        self.app = app
        self.wsgi = WSGIMiddleware(app, workers=threads)

    async def __call__(self, scope, receive, send):
        # the path as Flask routes it (repeated slashes are one), so no variant of it escapes being held
        path = re.sub("/{2,}", "/", scope.get("path", "")) if scope["type"] == "http" else ""
        if path != EVENTS_PATH or scope["method"] != "GET":
            await self.wsgi(scope, receive, send)
            return
        start = {}

        async def held(message):
            # the view's answer: sent as it is, unless it is a stream to hold (then its empty body is dropped)
            if message["type"] == "http.response.start" and message["status"] == 200 and events.SCOPE_KEY in scope:
                # the stream's length is not the empty body's
                start.update(message, headers=[(k, v) for k, v in message["headers"] if k != b"content-length"])
            elif not start:
                await send(message)

        await self.wsgi(scope, receive, held)
        if start:
            await send(start)
            await self._stream(scope[events.SCOPE_KEY], receive, send)

    async def _stream(self, sub: events.Subscription, receive, send) -> None:
        feed = events.feed_of(self.app)
        loop = asyncio.get_running_loop()
        woken = asyncio.Event()

        def wake():  # called from the feed's thread
            loop.call_soon_threadsafe(woken.set)

        feed.subscribe(wake, sub.client)
        gone = asyncio.ensure_future(_disconnected(receive))
        try:
            await _body(send, events.opening(sub) + f"retry: {events.RETRY_MS}\n\n")
            ends = loop.time() + STREAM_S
            while not gone.done() and loop.time() < ends:
                waiting = asyncio.ensure_future(woken.wait())
                await asyncio.wait(
                    {waiting, gone}, timeout=min(HEARTBEAT_S, ends - loop.time()), return_when=asyncio.FIRST_COMPLETED
                )
                waiting.cancel()
                if gone.done():
                    break
                if not woken.is_set():
                    await _body(send, ": ping\n\n")
                    continue
                woken.clear()
                found = feed.after(sub.after)
                if found is None:  # fell behind what the feed keeps: the page loads its list again
                    sub.after = feed.last
                    await _body(send, f"id: {sub.after}\nevent: reset\ndata: {{}}\n\n")
                    continue
                if found:
                    sub.after = found[-1]["serial"]
                    text = "".join(events.message(e) for e in found if sub.scope.sees(e))
                    await _body(send, text or f"id: {sub.after}\n\n")
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:  # the client went away while we wrote
            pass
        finally:
            feed.unsubscribe(wake, sub.client)
            gone.cancel()


async def _body(send, text: str) -> None:
    await send({"type": "http.response.body", "body": text.encode(), "more_body": True})


async def _disconnected(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
