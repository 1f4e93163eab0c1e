"""Errors of the domain: what was wrong, where and why, one class per cause, without HTTP. The web layer
(web/errors.py) answers each class with its status, in each of its answer formats; a bad request is never answered
with a 500."""

from __future__ import annotations


class DomainError(Exception):
    """What was wrong: `parameter` says where (None: the request as a whole), `reason` why, `detail` a message's code
    and values (texts), for pages in either language. A raised error is always one of the causes below."""

    cause = ""  # a stable name of the cause, for records kept outside the process (a job's file)

    def __init__(self, parameter: str | None, reason: str, detail: dict | None = None):
        super().__init__(f"{parameter}: {reason}" if parameter else reason)
        self.parameter, self.reason = parameter, reason
        self.detail = detail or {}


class BadParameter(DomainError):
    """Invalid input: a value the request may not have."""

    cause = "invalid"


class NotSignedIn(DomainError):
    """It needs a user, and nobody is signed in."""

    cause = "not_signed_in"


class Forbidden(DomainError):
    """The signed-in user may not do this (role, grid, department, owner)."""

    cause = "forbidden"


class NotFound(DomainError):
    """What the request names does not exist."""

    cause = "not_found"


class Conflict(DomainError):
    """A step the current state does not allow (a case's status, a job's); `allowed`, when known, names the steps
    it does."""

    cause = "conflict"

    def __init__(
        self, parameter: str | None, reason: str, allowed: list[str] | None = None, detail: dict | None = None
    ):
        super().__init__(parameter, reason, detail)
        self.allowed = allowed


class TooExpensive(DomainError):
    """More work than the service bounds a request to (refused before the work starts, or stopped at the bound)."""

    cause = "too_expensive"


class TooMany(DomainError):
    """More at once than one client may hold (open event streams): the client's own, not the service's, limit."""

    cause = "too_many"


class Unsolvable(DomainError):
    """A well-formed request that cannot be done as asked (a siting problem without a solution)."""

    cause = "unsolvable"


class Unavailable(DomainError):
    """The service cannot answer now (its store, or every run slot, is busy or missing); not the request's fault."""

    cause = "unavailable"


class Failed(DomainError):
    """The work itself failed (a crash); the message says no more than that."""

    cause = "failed"
