"""Job state as small files in one folder, readable from every worker process of the service.

<id>.json     the job: state, stage, request, estimate, error, result; replaced atomically (temp file + os.replace),
              written by one process at a time (the run while it runs, its supervisor after it ended)
<id>.cancel   present once someone asked to cancel; the run checks it between stages
<id>.lock     flock-ed for as long as the run or its supervisor lives: a job whose lock is free but whose state
              is not final has died (its worker was killed), and is reported as failed
slot-<n>.lock one per allowed concurrent run, flock-ed by the run holding it (the limit holds across processes)
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
import time
import uuid
from pathlib import Path

FINAL = ("done", "failed", "cancelled")
ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


def new_id() -> str:
    return uuid.uuid4().hex


def valid_id(job_id: str) -> bool:
    return bool(ID_PATTERN.match(job_id))


def _path(folder: Path, job_id: str, suffix: str) -> Path:
    if not valid_id(job_id):
        raise ValueError(f"not a job id: {job_id!r}")
    return Path(folder) / f"{job_id}{suffix}"


def write(folder: Path, job: dict) -> None:
    """Replace the job's file in one step: a reader sees the old state or the new one, never half of it."""
    target = _path(folder, job["id"], ".json")
    job = dict(job, updated_at=time.time())
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(job, out, ensure_ascii=False)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read(folder: Path, job_id: str) -> dict | None:
    try:
        return json.loads(_path(folder, job_id, ".json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def update(folder: Path, job_id: str, **fields) -> dict:
    job = read(folder, job_id)
    job.update(fields)
    write(folder, job)
    return job


def request_cancel(folder: Path, job_id: str) -> None:
    _path(folder, job_id, ".cancel").touch()


def cancel_requested(folder: Path, job_id: str) -> bool:
    return _path(folder, job_id, ".cancel").exists()


def _try_lock(path: Path) -> int | None:
    """An open descriptor holding an exclusive flock on `path`, or None when another holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def take_slot(folder: Path, slots: int) -> int | None:
    """A descriptor holding one of the `slots` run slots, or None when all are taken (by any process)."""
    for n in range(slots):
        fd = _try_lock(Path(folder) / f"slot-{n}.lock")
        if fd is not None:
            return fd
    return None


def hold_life(folder: Path, job_id: str) -> int:
    """Lock the job's life lock (a new job's is always free)."""
    fd = _try_lock(_path(folder, job_id, ".lock"))
    if fd is None:
        raise RuntimeError(f"job {job_id} is already held")
    return fd


def alive(folder: Path, job_id: str) -> bool:
    """True while the job's run or its supervisor holds its life lock."""
    fd = _try_lock(_path(folder, job_id, ".lock"))
    if fd is None:
        return True
    os.close(fd)
    return False


def remove_old(folder: Path, max_age_s: float) -> None:
    """Forget finished jobs older than max_age_s (their files), so that the folder does not grow without end."""
    limit = time.time() - max_age_s
    for path in Path(folder).glob("*.json"):
        job_id = path.stem
        if not valid_id(job_id):
            continue
        try:
            if path.stat().st_mtime < limit and not alive(folder, job_id):
                for suffix in (".json", ".cancel", ".lock"):
                    _path(folder, job_id, suffix).unlink(missing_ok=True)
        except FileNotFoundError:  # another process removed it first
            continue
