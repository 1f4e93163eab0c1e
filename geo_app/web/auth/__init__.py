"""Identity and roles (users in the store, sessions, API tokens), CSRF protection and rate limits.

Every request that changes data needs a role (`@requires`), comes from this service's origin with the session's
CSRF token (or an API token), and counts against the rate limits. Every write is logged with the user's name."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from geo_app.web.auth import csrf, identity, limits
from geo_app.web.auth import login as views
from geo_app.web.auth.identity import SAFE_METHODS, requires

__all__ = ["init_app", "requires"]
log = logging.getLogger("geo_app.auth")


def secret_key(path: Path) -> str:
    """The session key kept in `path`, made once (mode 0600) by whichever worker process comes first."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # atomic, and never over a key another process made first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def init_app(app: Flask) -> None:
    config = app.config
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = secret_key(Path(config["SECRET_KEY_FILE"]))
    config["SECRET_KEY"] = str(config["SECRET_KEY"])
    config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(config["SESSION_COOKIE_SECURE"]),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=float(config["LOGIN_HOURS"])),
    )
    proxies = int(config["TRUSTED_PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    identity.init_app(app)
    limits.init_app(app)
    csrf.init_app(app)
    _log_to_stderr()
    app.after_request(_log_write)
    app.register_blueprint(views.bp)


def _log_to_stderr() -> None:
    """The service's own log lines (logins, writes) at INFO on stderr, unless the server configured logging."""
    service = logging.getLogger("geo_app")
    service.setLevel(logging.INFO)
    if not service.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        service.addHandler(handler)


def _log_write(response):
    if request.method not in SAFE_METHODS:
        who = current_user.name if current_user.is_authenticated else "anonymous"
        log.info(
            "write: %s %r by %s from %s -> %s",
            request.method,
            request.path,
            who,
            request.remote_addr,
            response.status_code,
        )
    return response
