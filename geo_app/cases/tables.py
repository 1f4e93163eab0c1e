"""The store tables of cases (made by migration 6, the steps around the lifecycle's added by migration 13; the
columns are the contract cases-core, cases-stats and cases-pages share). Times are ISO 8601 UTC text,
`2018-03-01T08:15:00Z`."""

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
    # migration 13: the steps around the lifecycle (lifecycle.py)
    "verified_at": "text",  # 核实: when the grid's supervisor confirmed the report on site
    "returned_at": "text",  # 回退: when an approved return sent the case back to 待派遣
    "extended_h": "real",  # 延期: working hours granted to the current 处置 (None: none)
    "request": "text",  # the pending request (extend | return), None when there is none
    "request_detail": "text",  # its hours, reason, note, who and when, as JSON
    "supervised_at": "text",  # 督办: when an admin flagged the case, None when not flagged
    "supervision": "text",  # the flag's note and who set it, as JSON
}
# the columns migration 13 adds to a store made before it (cases, case_events, case_photos)
STEP_COLUMNS = {
    CASES: {c: CASE_COLUMNS[c] for c in list(CASE_COLUMNS)[list(CASE_COLUMNS).index("verified_at") :]},
    EVENTS: {"hours": "real"},
    PHOTOS: {"step": "text"},
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
    "reason": "text",  # the reason code of a step that needs one (lifecycle.REASONS), None for the others
    "hours": "real",  # working hours a 延期 asked for or was granted (migration 13), None for the other steps
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
    "step": "text",  # the step it came with: report, or confirm (核实, on site; migration 13); None: report
}
PHOTO_METADATA = [c for c in PHOTO_COLUMNS if c != "data"]
# (status, due_at): a work list's counts and pages are a status and a range of deadlines (clocks.py)
CASE_INDEXES = (
    "id",
    "status",
    "grid_code",
    "adcode",
    "service_code",
    "reported_at",
    "token",
    "due_at",
    ("status", "due_at"),
)
EVENT_INDEXES = ("case_id", "serial")
EVENT_SEQ = "case_event_seq"  # store meta: the last serial handed out (a high-water mark: never lowered)


def create_tables(tx: Transaction) -> None:
    tx.create(CASES, CASE_COLUMNS, geometry=True, indexes=CASE_INDEXES)
    tx.create(EVENTS, EVENT_COLUMNS, indexes=EVENT_INDEXES)
    tx.create(PHOTOS, PHOTO_COLUMNS, indexes=("case_id",))
