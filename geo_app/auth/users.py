"""Users in the store (table `users`, made by a migration): a role each, the password as an Argon2 hash and the
API token as a SHA-256 hash (a token is 256 random bits, so a fast hash is enough and can be looked up by index).
Neither a password nor a token is ever stored or logged in clear."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo_app.store import Store

TABLE = "users"
GRIDS = "grids"  # the layer whose codes supervisors are assigned
# partner: another system (12345, 110) that reports cases through the API or Open311 with its token as api_key
ROLES = ("admin", "planner", "supervisor", "dispatcher", "handler", "partner")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_NAME = re.compile(r"^[\w.@-]{1,64}$")
_HASHER = PasswordHasher()
# verified against when the name is unknown, so that a wrong name takes as long as a wrong password
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


class UserError(ValueError):
    """A user cannot be added or changed as asked; the message says why."""


@dataclass(frozen=True)
class User:
    """A signed-in person; is_authenticated, is_active and get_id are what Flask-Login asks of a user."""

    name: str
    role: str
    disabled: bool
    created_at: str
    grids: tuple[str, ...] = ()
    department: str | None = None
    password_stamp: str = ""  # changes with the password and at logout: a session made before ends

    def get_id(self) -> str:
        """What a session cookie keeps: the name and the password's stamp (NAME/STAMP)."""
        return f"{self.name}/{self.password_stamp}"

    @property
    def is_active(self) -> bool:
        return not self.disabled

    is_authenticated = True
    is_anonymous = False


def _user(row: dict) -> User:
    grids = tuple(g for g in (row.get("grids") or "").split(",") if g)
    return User(
        name=row["name"],
        role=row["role"],
        disabled=bool(row["disabled"]),
        created_at=row["created_at"],
        grids=grids,
        department=row.get("department") or None,
        password_stamp=_stamp(row["password_hash"], row.get("session_epoch")),
    )


def _stamp(password_hash: str, epoch) -> str:
    """What a session must carry to stay valid: it changes with the password and at every logout."""
    epoch = 0 if epoch is None or epoch != epoch else int(epoch)
    return hashlib.sha256(f"{password_hash}:{epoch}".encode()).hexdigest()[:16]


def _row(store, where: dict) -> dict | None:
    rows = store.read(TABLE, where=where)
    return None if rows.empty else rows.iloc[0].to_dict()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise UserError(f"user name {name!r}: use 1 to 64 letters, digits, '.', '_', '@' or '-'")
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise UserError(f"the password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def _check_duties(role: str, grids: tuple[str, ...], department: str | None) -> None:
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if grids and role != "supervisor":
        raise UserError("grids are assigned to supervisors only")
    if department and role not in ("handler", "partner"):
        raise UserError("a department is given to partners (their source line: 12345 or 110) and handlers only")


def _check_grids(tx, grids: tuple[str, ...]) -> None:
    known = set(tx.read(GRIDS, where={"code": list(grids)}, columns=["code"])["code"]) if grids else set()
    unknown = [code for code in grids if code not in known]
    if unknown:
        raise UserError(f"no grid {unknown[0]!r} in the grids layer")


def add(
    store: Store, name: str, role: str, password: str, *, grids: tuple[str, ...] = (), department: str | None = None
) -> User:
    check_name(name)
    _check_duties(role, grids, department)
    check_password(password)
    row = {
        "name": name,
        "role": role,
        "password_hash": _HASHER.hash(password),
        "token_hash": None,
        "disabled": False,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "grids": ",".join(grids) or None,
        "department": department,
        "session_epoch": 0,
    }
    with store.transaction() as tx:  # writers queue behind each other: the check and the insert are one
        same = [u for u in tx.read(TABLE, columns=["name"])["name"] if u.casefold() == name.casefold()]
        if same:
            raise UserError(
                f"user {same[0]!r} exists already"
                + (f" (names differ only in case: {name!r})" if same[0] != name else "")
            )
        _check_grids(tx, grids)
        tx.insert(TABLE, pd.DataFrame([row], columns=list(row)).astype({"disabled": bool}))
    return _user(row)


def get(store: Store, name: str) -> User | None:
    row = _row(store, {"name": name})
    return None if row is None else _user(row)


def listing(store: Store) -> list[User]:
    return [_user(row) for row in store.read(TABLE, order_by="name").to_dict("records")]


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user when name and password match (disabled ones too: the caller says why it refuses them)."""
    row = _row(store, {"name": name}) if _NAME.match(name or "") else None
    try:
        _HASHER.verify(row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _HASHER.check_needs_rehash(row["password_hash"]):
        row["password_hash"] = _HASHER.hash(password)
        with store.transaction() as tx:
            tx.update(TABLE, {"name": name}, {"password_hash": row["password_hash"]})
    return _user(row)


def by_token(store: Store, token: str) -> User | None:
    row = _row(store, {"token_hash": token_hash(token)}) if token else None
    return None if row is None else _user(row)


def new_token(store: Store, name: str) -> str:
    """A new API token for the user; the previous one stops working."""
    token = secrets.token_urlsafe(32)
    with store.transaction() as tx:
        if not tx.update(TABLE, {"name": name}, {"token_hash": token_hash(token)}):
            raise UserError(f"no user {name!r}")
    return token


def end_sessions(store: Store, name: str) -> None:
    """Every session of the user ends (logout): a copied session cookie stops working too. The API token stays."""
    with store.transaction() as tx:
        row = _row(tx, {"name": name})
        if row is not None:
            epoch = row.get("session_epoch")
            tx.update(
                TABLE, {"name": name}, {"session_epoch": 1 + (0 if epoch is None or epoch != epoch else int(epoch))}
            )


def disable(store: Store, name: str) -> None:
    """The user can no longer log in or use a token (their session ends at its next request)."""
    with store.transaction() as tx:
        if not tx.update(TABLE, {"name": name}, {"disabled": True, "token_hash": None}):
            raise UserError(f"no user {name!r}")


def change(
    store: Store,
    name: str,
    *,
    role: str | None = None,
    grids: tuple[str, ...] | None = None,
    department: str | None = None,
) -> User:
    """A user's role, grids or department (None: kept; an empty department or no grids: removed). A new role
    drops the grids or department it does not have; the user's session and token stay (they are checked against
    the stored user at every request)."""
    with store.transaction() as tx:
        row = _row(tx, {"name": name})
        if row is None:
            raise UserError(f"no user {name!r}")
        current = _user(row)
        role = role or current.role
        grids = grids if grids is not None else current.grids if role == "supervisor" else ()
        if department is None:
            department = current.department if role in ("handler", "partner") else None
        _check_duties(role, grids, department or None)
        _check_grids(tx, grids)
        values = {"role": role, "grids": ",".join(grids) or None, "department": department or None}
        tx.update(TABLE, {"name": name}, values)
    return _user({**row, **values})


def set_password(store: Store, name: str, password: str) -> None:
    """A new password: the API token is revoked and sessions made with the old password end."""
    check_password(password)
    with store.transaction() as tx:
        if not tx.update(TABLE, {"name": name}, {"password_hash": _HASHER.hash(password), "token_hash": None}):
            raise UserError(f"no user {name!r}")
