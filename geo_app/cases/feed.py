"""The live feed of case events: what the work lists, the grid map and a case's page learn without reloading.

Every step appends an event with a serial (tables.EVENT_SEQ: a high-water mark, never handed out twice, also not
after a restore). One CaseFeed per process follows the store: a thread waits for the store's version to move
(Store.wait_for_change: PostgreSQL's LISTEN/NOTIFY, a poll of the file on GeoPackage), reads the events after the
last serial it has, with the fields of their cases that decide who may see them, keeps the latest KEEP in memory
and wakes its subscribers. A subscriber (one open event stream) costs a callback and a place in a set, not a
thread: it reads what it was woken for from the feed's memory (`after`), and only a stream that resumes from an
older Last-Event-ID reads the store (`backlog`, bounded)."""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from geo_app.cases.tables import CASES, EVENT_SEQ, EVENTS
from geo_app.errors import Forbidden, NotSignedIn
from geo_app.store import Reader, Store

log = logging.getLogger("geo_app")

KEEP = 5000  # events kept in memory: a stream further behind reads the store (backlog) or starts afresh
BACKLOG_MAX = 500  # events a resuming stream may read from the store; beyond it the page loads its list again
READ_MAX = 1000  # events the feed reads at a time
WAIT_S = 20.0  # the longest the feed's thread waits before it looks again by itself
RETRY_S = 2.0  # after a store error
STAFF = ("admin", "dispatcher", "handler", "supervisor")
# what a subscriber is sent of an event: never who acted (the public follows a case without names)
SHOWN = ("serial", "case_id", "action", "from_status", "to_status", "at", "adcode", "grid_code", "service_code")
CASE_FIELDS = ["id", "adcode", "grid_code", "department", "reporter", "source", "service_code"]


@dataclass(frozen=True)
class Scope:
    """Whose events a stream carries: a staff member's (by role) or one case's (anyone following it)."""

    role: str | None = None
    department: str | None = None
    grids: frozenset[str] = frozenset()
    name: str | None = None
    case_id: str | None = None

    def sees(self, event: dict) -> bool:
        if self.case_id is not None:
            return event["case_id"] == self.case_id
        if self.role in ("admin", "dispatcher"):
            return True
        if self.role == "handler":
            return bool(self.department) and event.get("department") == self.department
        if self.role == "supervisor":
            mine = self.name is not None and event.get("reporter") == self.name
            return mine or event.get("grid_code") in self.grids
        return False


def staff_scope(user) -> Scope:
    """The scope of a signed-in staff member: NotSignedIn or Forbidden for anyone else."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotSignedIn(None, "the staff's event stream needs a login; anyone may follow one case (case=<id>)")
    if user.role not in STAFF:
        raise Forbidden(None, f"the staff's event stream is for {', '.join(STAFF)}; {user.name} is {user.role}")
    return Scope(role=user.role, department=user.department, grids=frozenset(user.grids), name=user.name)


def shown(event: dict) -> dict:
    return {k: event.get(k) for k in SHOWN}


def _with_cases(reader: Reader, events: list[dict]) -> list[dict]:
    """The events with the fields of their cases that scopes look at."""
    ids = sorted({e["case_id"] for e in events})
    cases = {}
    for start in range(0, len(ids), 500):
        for row in reader.records(CASES, where={"id": ids[start : start + 500]}, columns=CASE_FIELDS, geometry=False):
            cases[row["id"]] = row
    out = []
    for event in events:
        case = cases.get(event["case_id"], {})
        out.append({**event, **{k: case.get(k) for k in CASE_FIELDS if k != "id"}})
    return out


def _read(reader: Reader, after: int, limit: int) -> list[dict]:
    rows = reader.records(
        EVENTS,
        between={"serial": (after + 1, None)},
        columns=["case_id", "action", "from_status", "to_status", "at", "serial"],
        order_by="serial",
        limit=limit,
        geometry=False,
    )
    for row in rows:
        row["serial"] = int(row["serial"])
    return _with_cases(reader, rows)


def latest(store: Store) -> int:
    """The serial of the store's last event."""
    return int(store.meta(EVENT_SEQ) or 0)


def backlog(reader: Reader, after: int) -> tuple[list[dict], bool]:
    """The events after serial `after` from the store, and whether that is all of them (at most BACKLOG_MAX)."""
    rows = _read(reader, after, BACKLOG_MAX + 1)
    return rows[:BACKLOG_MAX], len(rows) <= BACKLOG_MAX


class CaseFeed:
    def __init__(self, store: Store, keep: int = KEEP):
        self.store = store
        self.events: deque[dict] = deque(maxlen=keep)
        self.last = 0  # the last serial read (the feed holds the events after `first - 1` up to it)
        self.first = 1
        self._subscribers: set[Callable[[], None]] = set()
        self._held: dict[str, int] = {}  # open subscriptions per client (a user, or an address for anonymous ones)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._pid = None

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def held(self, client: str) -> int:
        """The subscriptions `client` holds open in this process."""
        return self._held.get(client, 0)

    def subscribe(self, wake: Callable[[], None], client: str = "") -> int:
        """Call `wake` (from the feed's thread: it must only hand over) whenever events arrive; returns the serial
        the feed has read up to, from which `after` can be asked."""
        self._start()
        with self._lock:
            self._subscribers.add(wake)
            self._held[client] = self._held.get(client, 0) + 1
            return self.last

    def unsubscribe(self, wake: Callable[[], None], client: str = "") -> None:
        with self._lock:
            if wake in self._subscribers:
                self._subscribers.discard(wake)
                self._held[client] -= 1
                if not self._held[client]:
                    del self._held[client]

    def after(self, serial: int) -> list[dict] | None:
        """The events after `serial` the feed holds; None when some of them are no longer held (too far behind)."""
        with self._lock:
            if serial < self.first - 1:
                return None
            return [e for e in self.events if e["serial"] > serial]

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            self.last = self.first = latest(self.store)
            self.first += 1
            self.events.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._follow, name="case-feed", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """The feed's thread ends (within WAIT_S): for a feed whose store goes away before its process does."""
        self._stopped.set()

    def _follow(self) -> None:
        version = self.store.version()
        while not self._stopped.is_set():
            try:
                version = self.store.wait_for_change(version, WAIT_S)
                while latest(self.store) > self.last and self._take(_read(self.store, self.last, READ_MAX)):
                    pass
            except Exception:  # a store error (restart, network): said, then tried again
                log.exception("the case feed could not read the store; trying again in %g s", RETRY_S)
                self._stopped.wait(RETRY_S)

    def _take(self, events: list[dict]) -> bool:
        if not events:
            return False
        with self._lock:
            self.events.extend(events)
            self.last = events[-1]["serial"]
            self.first = self.events[0]["serial"]
            wakes = list(self._subscribers)
        for wake in wakes:
            wake()
        return True
