"""Errors as JSON that say what was wrong, where and why; a bad request is never answered with a 500."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from geo_app.errors import BadParameter
from geo_app.store import StoreError

MAX_MESSAGE = 500     # characters: messages quote request values, which may be long


def is_page_request() -> bool:
    return not request.path.startswith(("/api/", "/ogc", "/tiles/", "/vendor/", "/static/", "/open311/"))


def error_body(status: int, message: str | None, **extra):
    """JSON for the API and OGC endpoints; an HTML page, saying the same in the page's language, for the pages
    people open (message None: the page says only what the status means, never the framework's English).
    Logged at INFO, the message quoted (repr) so that a newline in a request value cannot forge a log line."""
    if message is not None and len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "…"
    current_app.logger.info("%s %r answered %d: %r", request.method, request.path, status, message)
    if is_page_request():
        return render_template("error.html", status=status, message=message), status
    return jsonify({"error": {"status": status, "message": message, **extra}}), status


def refuse_repeats(values) -> None:
    """A parameter given more than once (`?status=a&status=b`) is refused, never read as its first value. Only
    the attribute fields of a report may repeat (`attribute[code][]` is a list; cases/attributes.py refuses a
    repeated `attribute[code]` itself); files, such as a report's photos, are not form values."""
    if not hasattr(values, "lists"):
        return          # a plain dict (a view's own arguments) holds each name once
    for name, given in values.lists():
        if len(given) > 1 and not name.startswith("attribute["):
            raise BadParameter(name, f"given {len(given)} times; give it once (a list of values is one "
                                     f"comma-separated value)")


def check_params(args, allowed: set[str]) -> None:
    """Query or form parameters: each one known and given once."""
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise BadParameter(unknown[0], f"unknown parameter; this endpoint takes {', '.join(sorted(allowed)) or 'none'}")
    refuse_repeats(args)


def init_app(app: Flask) -> None:
    # every query string, pages included (forms: check_params in the views that take them)
    app.before_request(lambda: refuse_repeats(request.args))

    @app.errorhandler(BadParameter)
    def bad_parameter(exc: BadParameter):
        return error_body(exc.status, f"{exc.parameter}: {exc.reason}", parameter=exc.parameter, **exc.detail)

    @app.errorhandler(StoreError)
    def store_missing(exc: StoreError):
        return error_body(503, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error_body(exc.code or 500, None if is_page_request() else exc.description or exc.name)
