"""One siting run in its own process: `python -m geo_app.planning.jobs.runner <jobs folder> <job id>`.

The process caps its own memory once its code is loaded (address space, also for the CBC solver it starts), reads the layers from the
store, reports each stage in the job's file, checks for cancellation between stages and writes the result or
the reason it failed. A separate process keeps the service's pages fast while it works."""

from __future__ import annotations

import resource
import sys
import traceback
from pathlib import Path

from shapely.errors import GEOSException

from geo_app.errors import DomainError, Failed
from geo_app.planning.jobs import files
from geo_app.planning.siting import Cancelled, Limits, RunTooLarge, SitingError, SitingRequest, needed_layers, solve
from geo_app.project import Project
from geo_app.store import open_store
from geo_app.texts import Message, message


def _fail(folder: Path, job_id: str, cause: type[DomainError], reason: Message) -> None:
    """The job ends failed with its cause (geo_app.errors), the reason in English, and its code and values for
    pages in either language."""
    files.update(
        folder, job_id, state="failed", error={"cause": cause.cause, "message": reason.text(), **reason.detail()}
    )


def run(folder: Path, job_id: str) -> None:
    task = files.read(folder, job_id)["task"]
    # the store's libraries (SQLite or libpq) are loaded before the cap: it bounds the run's data, not its code
    store = open_store(task["store"])
    available = set(store.tables())
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    # the cap is what the run may use beyond what the process already maps (its libraries): a cap counted from
    # zero left so little room that allocations failed inside C code instead of as a MemoryError
    mapped = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (mapped + int(task["memory_mb"]) * 1024 * 1024, hard))
    try:
        project = Project(Path(task["layers_dir"]))
        request = SitingRequest(**{**task["request"], "districts": tuple(task["request"]["districts"])})
        layers = {
            lid: store.read(lid) for lid in needed_layers(request, project.catalog.units_layer.id) if lid in available
        }

        def progress(stage: str) -> None:
            if files.cancel_requested(folder, job_id):
                raise Cancelled(stage)
            files.update(folder, job_id, stage=stage)

        result = solve(request, layers, project.standards, Limits(**task["limits"]), progress)
        files.update(folder, job_id, state="done", stage="done", result=result)
    except Cancelled:
        files.update(folder, job_id, state="cancelled")
    except SitingError as exc:
        _fail(folder, job_id, type(exc), exc.message)
    except Exception as exc:  # noqa: BLE001  (logged, and the job says it failed)
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))  # room to say so
        if _out_of_memory(exc):
            _fail(folder, job_id, RunTooLarge, message("memory_limit", mb=task["memory_mb"]))
        else:
            traceback.print_exc()
            _fail(folder, job_id, Failed, message("internal_error"))


def _out_of_memory(exc: Exception) -> bool:
    """Python's MemoryError, or GEOS's (C++ std::bad_alloc, raised as a GEOSException) under the cap."""
    return isinstance(exc, MemoryError) or (isinstance(exc, GEOSException) and "bad_alloc" in str(exc))


if __name__ == "__main__":
    run(Path(sys.argv[1]), sys.argv[2])
