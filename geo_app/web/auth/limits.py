"""Rate limits (Flask-Limiter): requests without a login per client address, state-changing requests per user,
login attempts per client address. Counted in RATE_LIMIT_STORAGE: `memory://` counts in each worker process
(with N workers a client gets up to N times the limit), a shared storage such as `redis://` counts across them.
Static files are not counted. Over a limit: 429 with Retry-After."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse_many

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
SETTINGS = ("RATE_LIMIT_ANONYMOUS", "RATE_LIMIT_WRITES", "RATE_LIMIT_LOGIN", "RATE_LIMIT_REPORTS")
_UNCOUNTED = {"static", "vendor.vendor_file"}


def _setting(name: str):
    return lambda: str(current_app.config[name])


def _user_name() -> str:
    return f"user:{current_user.name}"


def _check(config) -> None:
    """A mistyped limit stops the start with the reason (it would otherwise be no limit at all)."""
    for name in SETTINGS:
        try:
            parse_many(str(config[name]))
        except ValueError:
            raise ValueError(
                f"GEO_APP_{name}: {config[name]!r} is not a rate limit (for example '30 per minute;500 per day')"
            ) from None


def init_app(app: Flask) -> None:
    _check(app.config)
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=str(app.config["RATE_LIMIT_STORAGE"]),
        headers_enabled=True,
        application_limits=[
            ApplicationLimit(
                _setting("RATE_LIMIT_ANONYMOUS"), scope="anonymous", exempt_when=lambda: current_user.is_authenticated
            ),
            ApplicationLimit(
                _setting("RATE_LIMIT_WRITES"),
                scope="writes",
                key_function=_user_name,
                methods=WRITE_METHODS,
                exempt_when=lambda: not current_user.is_authenticated,
            ),
            ApplicationLimit(
                _setting("RATE_LIMIT_LOGIN"),
                scope="login",
                methods=["POST"],
                exempt_when=lambda: request.endpoint != "auth.login",
            ),
        ],
    )
    limiter.request_filter(lambda: request.endpoint in _UNCOUNTED)
