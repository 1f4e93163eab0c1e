"""Who is asking: a session cookie (Flask-Login, after the login page) or an API token (`Authorization: Bearer`),
and `@requires(*roles)` for the views that change data: anonymous -> 401, the wrong role -> 403."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, g, request
from flask_login import LoginManager, current_user

from geo_app.auth import users
from geo_app.store import StoreError
from geo_app.web import context

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOG_IN_FIRST = "log in first (the login page, or an API token: Authorization: Bearer <token>)"


def init_app(app: Flask) -> None:
    manager = LoginManager(app)

    @manager.user_loader
    def from_session(session_id: str):
        if "Authorization" in request.headers:  # a request that presents a token is judged by it alone
            return None
        name, _, stamp = session_id.partition("/")
        user = _stored(users.get, name)
        # a disabled user's session ends, and so does one made before the password changed
        return user if user is not None and user.is_active and user.password_stamp == stamp else None

    @manager.request_loader
    def from_token(req):
        scheme, _, token = req.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        user = _stored(users.by_token, token.strip())
        if user is None or not user.is_active:
            return None
        g.via_token = True
        return user

    app.before_request(_refuse_bad_tokens)
    app.after_request(_challenge)


def _stored(find, key: str):
    """A user from the store; none while there is no store (its pages say so, with a 503)."""
    try:
        return find(context.store(), key)
    except StoreError:
        return None


def _refuse_bad_tokens():
    """A request that presents credentials that do not work is refused, even for public data (RFC 6750)."""
    if "Authorization" in request.headers and not via_token():
        abort(
            401,
            "the Authorization header does not hold a valid API token of an active user "
            "(send Authorization: Bearer <token>; `flask users token NAME` makes one)",
        )


def _challenge(response):
    """A 401 says how to authenticate (RFC 6750)."""
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="geo_app"')
    return response


def via_token() -> bool:
    """True when this request's user came from an API token (such requests need no CSRF token)."""
    return current_user.is_authenticated and g.get("via_token", False)


def required_roles(view) -> tuple[str, ...] | None:
    return getattr(view, "required_roles", None)


def requires(*roles: str):
    """Only users with one of these roles (admins always) may call the view."""
    unknown = set(roles) - set(users.ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401, LOG_IN_FIRST)
            if current_user.role != "admin" and current_user.role not in roles:
                abort(
                    403,
                    f"this needs the role {' or '.join(roles + ('admin',))}; "
                    f"{current_user.name} is {current_user.role}",
                )
            return view(*args, **kwargs)

        checked.required_roles = roles
        return checked

    return decorate
