"""The store tables of cases (made by migration 6; the columns are the contract cases-core, cases-stats and
cases-pages share). Times are ISO 8601 UTC text, `2018-03-01T08:15:00Z`."""

from __future__ import annotations

from geo_app.store import Transaction

CASES, EVENTS, PHOTOS = "cases", "case_events", "case_photos"

CASE_COLUMNS = {
    "id": "text",
    "service_code": "text",
    "kind": "text",
    "source": "text",
    "status": "text",
    "description": "text",
    "address": "text",
    "adcode": "text",
    "grid_code": "text",
    "department": "text",
    "reporter": "text",
    "reported_at": "text",
    "accepted_at": "text",
    "registered_at": "text",
    "dispatched_at": "text",
    "handled_at": "text",
    "closed_at": "text",
    "due_at": "text",
    "rework_count": "integer",
    "version": "integer",
    "token": "text",
    "demo": "boolean",
    "attributes": "text",  # the class's Open311 attributes as JSON (attributes.py), None for none
}
EVENT_COLUMNS = {
    "case_id": "text",
    "seq": "integer",
    "action": "text",
    "from_status": "text",
    "to_status": "text",
    "actor": "text",
    "role": "text",
    "at": "text",
    "note": "text",
    "reason": "text",  # the reason code of reject, rework and reopen (lifecycle.REASONS), None for the others
    # the event's place in the store's whole history (the `case_event_seq` high-water mark): the live feed's order
    # and the event stream's Last-Event-ID; None for events written before the feed (migration 12) or in bulk
    "serial": "integer",
}
PHOTO_COLUMNS = {
    "case_id": "text",
    "photo_id": "text",
    "content_type": "text",
    "width": "integer",
    "height": "integer",
    "created_at": "text",
    "data": "blob",
}
PHOTO_METADATA = [c for c in PHOTO_COLUMNS if c != "data"]
CASE_INDEXES = ("id", "status", "grid_code", "adcode", "service_code", "reported_at", "token", "due_at")
EVENT_INDEXES = ("case_id", "serial")
EVENT_SEQ = "case_event_seq"  # store meta: the last serial handed out (a high-water mark: never lowered)


def create_tables(tx: Transaction) -> None:
    tx.create(CASES, CASE_COLUMNS, geometry=True, indexes=CASE_INDEXES)
    tx.create(EVENTS, EVENT_COLUMNS, indexes=EVENT_INDEXES)
    tx.create(PHOTOS, PHOTO_COLUMNS, indexes=("case_id",))
