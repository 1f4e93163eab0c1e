"""Errors of the domain: what was wrong, where and why, without HTTP. The web layer (web/errors.py) answers each
with its status; a bad request is never answered with a 500."""
from __future__ import annotations


class BadParameter(Exception):
    """A request parameter with a bad value: answered 400 naming the parameter and the reason."""

    def __init__(self, parameter: str, reason: str, status: int = 400, detail: dict | None = None):
        super().__init__(f"{parameter}: {reason}")
        self.parameter, self.reason, self.status = parameter, reason, status
        self.detail = detail or {}      # a message's code and values (texts), for pages in either language
