"""Errors as JSON that say what was wrong, where and why; a bad request is never answered with a 500. STATUS answers
each cause of geo_app.errors with its HTTP status, in every format: the API's JSON, the pages, OGC API and Open311."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

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

MAX_MESSAGE = 500  # characters: messages quote request values, which may be long
STATUS: dict[type[DomainError], int] = {
    BadParameter: 400,
    NotSignedIn: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooExpensive: 422,
    Unsolvable: 422,
    TooMany: 429,
    Failed: 500,
    Unavailable: 503,  # the store (StoreError), every siting run slot (Busy): not the request's fault
}
CAUSES = {cause.cause: cause for cause in STATUS}  # a cause recorded outside the process (a job's file)


def status_of(error: DomainError) -> int:
    """The status of the error's cause: the first of its classes in STATUS (a RunTooLarge is TooExpensive before
    it is a SitingError, which is Unsolvable)."""
    return next(STATUS[cls] for cls in type(error).__mro__ if cls in STATUS)


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
        return  # a plain dict (a view's own arguments) holds each name once
    for name, given in values.lists():
        if len(given) > 1 and not name.startswith("attribute["):
            raise BadParameter(
                name, f"given {len(given)} times; give it once (a list of values is one comma-separated value)"
            )


def check_params(args, allowed: set[str]) -> None:
    """Query or form parameters: each one known and given once."""
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise BadParameter(unknown[0], f"unknown parameter; this endpoint takes {', '.join(sorted(allowed)) or 'none'}")
    refuse_repeats(args)


def domain_error(exc: DomainError):
    """The API's (and OGC API's) JSON, or a page, for an error of the domain."""
    extra = {} if exc.parameter is None else {"parameter": exc.parameter}
    if isinstance(exc, Conflict) and exc.allowed is not None:
        extra["allowed_actions"] = exc.allowed
    return error_body(status_of(exc), str(exc), **extra, **exc.detail)


def init_app(app: Flask) -> None:
    # every query string, pages included (forms: check_params in the views that take them)
    app.before_request(lambda: refuse_repeats(request.args))

    app.register_error_handler(DomainError, domain_error)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error_body(exc.code or 500, None if is_page_request() else exc.description or exc.name)
