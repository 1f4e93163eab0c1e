"""The login page (/login) and logout (POST /logout). Logins, failed logins and logouts are logged with the
name and the client address; never a password."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from geo_app.auth import users
from geo_app.web import context
from geo_app.web.errors import refuse_repeats

bp = Blueprint("auth", __name__)
log = logging.getLogger("geo_app.auth")


def _next_page() -> str:
    """Where to go after logging in: a path on this service only (never another site)."""
    target = request.values.get("next") or ""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or "\\" in target or parts.scheme or parts.netloc:
        return url_for("maps.public")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", next=_next_page(), page="login")
    refuse_repeats(request.values)
    name = (request.form.get("name") or "").strip()
    password = request.form.get("password") or ""
    user = users.authenticate(context.store(), name, password)
    if user is None:
        log.warning("failed login: name=%r from %s", name[:64], request.remote_addr)
        return render_template(
            "login.html", next=_next_page(), page="login", name=name, problem="auth.login_failed"
        ), 401
    if not user.is_active:
        log.warning("refused login of disabled user %s from %s", user.name, request.remote_addr)
        return render_template(
            "login.html", next=_next_page(), page="login", name=name, problem="auth.login_disabled"
        ), 403
    session.clear()  # a new session for the new login (no fixation)
    session.permanent = True
    login_user(user)
    log.info("login: %s (%s) from %s", user.name, user.role, request.remote_addr)
    return redirect(_next_page())


@bp.post("/logout")
def logout():
    refuse_repeats(request.values)
    if current_user.is_authenticated:
        log.info("logout: %s from %s", current_user.name, request.remote_addr)
        users.end_sessions(context.store(), current_user.name)
    logout_user()
    session.clear()
    return redirect(_next_page())
