"""Long work as jobs: a siting run starts in its own process and answers at once with a job id; anyone may then ask
how far it got, fetch its result or cancel it, through whichever worker process of the service they reach.

State lives in files under JOBS_DIR (see files.py), not in the store: jobs are not user data. At most
SITING_MAX_RUNNING runs at once across all processes; beyond that `start` raises Busy (unavailable: the API also
says when to try again). A supervising thread in the process that started a run reaps it, stops it if cancelled and it
does not stop by itself within CANCEL_GRACE_S, and records a crash that left no final state.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from geo_app.errors import Failed, Unavailable
from geo_app.planning.jobs import files
from geo_app.settings import ROOT

CANCEL_GRACE_S = 2.0
POLL_S = 0.2


class Busy(Unavailable):
    """Every run slot is taken."""


class Jobs:
    def __init__(self, folder: Path | str, slots: int, keep_s: float):
        self.folder, self.slots, self.keep_s = Path(folder), int(slots), float(keep_s)

    def start(self, task: dict, public: dict) -> str:
        """Start a run of `task` (what the runner needs; never shown) described by `public`; returns its id."""
        self.folder.mkdir(parents=True, exist_ok=True)
        files.remove_old(self.folder, self.keep_s)
        slot = files.take_slot(self.folder, self.slots)
        if slot is None:
            raise Busy("problem", f"all {self.slots} siting runs the server allows at once are busy; try again shortly")
        job_id = files.new_id()
        life = files.hold_life(self.folder, job_id)
        try:
            files.write(
                self.folder,
                {
                    "id": job_id,
                    "state": "running",
                    "stage": "starting",
                    **public,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "task": task,
                },
            )
            process = subprocess.Popen(
                [sys.executable, "-m", "geo_app.planning.jobs.runner", str(self.folder), job_id],
                cwd=ROOT,
                env=dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1"),
                pass_fds=(slot, life),
                start_new_session=True,
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            os.close(slot)
            os.close(life)
            raise
        threading.Thread(target=self._supervise, args=(process, job_id, (slot, life)), daemon=True).start()
        return job_id

    def _supervise(self, process: subprocess.Popen, job_id: str, held: tuple[int, int]) -> None:
        asked = None
        try:
            while process.poll() is None:
                time.sleep(POLL_S)
                if asked is None and files.cancel_requested(self.folder, job_id):
                    asked = time.monotonic()
                if asked is not None and time.monotonic() - asked > CANCEL_GRACE_S:
                    os.killpg(process.pid, signal.SIGKILL)  # the run and the solver it started
                    process.wait()
            job = files.read(self.folder, job_id)
            if job["state"] not in files.FINAL:
                if files.cancel_requested(self.folder, job_id):
                    files.update(self.folder, job_id, state="cancelled")
                else:
                    files.update(
                        self.folder,
                        job_id,
                        state="failed",
                        error={
                            "cause": Failed.cause,
                            "message": f"the run stopped unexpectedly (exit status {process.returncode})",
                        },
                    )
        finally:
            for fd in held:
                os.close(fd)

    def get(self, job_id: str) -> dict | None:
        """The job as anyone may see it (without its task), or None if there is no such job."""
        if not files.valid_id(job_id):
            return None
        job = files.read(self.folder, job_id)
        if job is None:
            return None
        if job["state"] not in files.FINAL and not files.alive(self.folder, job_id):
            job = dict(
                job, state="failed", error={"cause": Failed.cause, "message": "the run stopped: its worker ended"}
            )
        job.pop("task", None)
        return job

    def cancel(self, job_id: str) -> None:
        files.request_cancel(self.folder, job_id)

    def wait(self, job_id: str) -> dict:
        """Block until the job has ended (for the synchronous API); returns its final state."""
        while True:
            job = self.get(job_id)
            if job["state"] in files.FINAL:
                return job
            time.sleep(POLL_S)
