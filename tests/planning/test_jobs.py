"""Siting runs as jobs: 202 and a job URL, progress by stage, the result and its exports, saving it, the budget
checked before anything is built, the memory cap, the limit on runs at once across processes, cancelling, and
pages answering while the most runs allowed are working."""

import io
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from geo_app import create_app
from geo_app.data import migrations
from geo_app.planning import siting
from geo_app.planning.jobs import Jobs, files
from geo_app.planning.siting import STAGES, Limits, SitingError, SitingRequest
from geo_app.project import Project
from tests.conftest import LAYERS, TEST_PASSWORD, copy_store_file, use_token
from tests.live import free_port, wait_for, wait_until

HEAVY = {"type": "toilets", "districts": "320505,320508", "demand": "area", "k": "60"}


def settle(client, url: str, seconds: float = 300) -> dict:
    """Poll a job until it has ended (a stuck job fails the test after `seconds`)."""

    def ended():
        job = client.get(url).get_json()
        return job if job["state"] in files.FINAL else None

    return wait_until(ended, seconds, f"the end of job {url}")


def test_a_run_is_a_job_with_stages_a_result_exports_and_can_be_saved(client, app, planner):
    answer = client.post("/api/plan/jobs", data={"type": "toilets", "districts": "320508", "k": "3"})
    assert answer.status_code == 202
    url = answer.get_json()["url"]
    assert answer.headers["Location"] == url and url.startswith("/api/plan/jobs/")
    job = client.get(url).get_json()
    assert job["stages"] == ["demand", "candidates", "solve", "measure"] and "task" not in job
    assert job["estimate"]["candidates"] > 0 and job["estimate"]["demand_points"] > 0
    job = settle(client, url)
    assert job["state"] == "done" and len(job["result"]["sites"]["features"]) == 3
    # exports are that result, not a new run
    csv = pd.read_csv(io.StringIO(client.get(url + "?format=csv").get_data(as_text=True).lstrip("\ufeff")))
    assert [[lon, lat] for lon, lat in zip(csv["lon"], csv["lat"])] == [
        f["geometry"]["coordinates"] for f in job["result"]["sites"]["features"]
    ]
    geojson = json.loads(client.get(url + "?format=geojson").get_data(as_text=True))
    assert [f["properties"]["adds_pct"] for f in geojson["features"]] == [
        f["properties"]["adds_pct"] for f in job["result"]["sites"]["features"]
    ]
    # saved from the job: the scenario holds exactly that result
    saved = client.post("/api/plan/scenarios", data={"name": "三座", "job": job["id"]})
    assert saved.status_code == 201
    reopened = client.get(f"/api/plan/scenarios/{saved.get_json()['id']}").get_json()
    assert reopened["result"] == job["result"]
    assert client.delete(url).status_code == 409  # it has ended: nothing to cancel


def test_progress_is_reported_for_every_stage_in_order():
    from tests.planning.test_siting import Standards, synthetic_layers

    layers, _ = synthetic_layers()
    seen = []
    siting.solve(SitingRequest("toilets", ("999999",), k=2, spacing_m=200), layers, Standards(), Limits(), seen.append)
    assert seen == list(STAGES)

    def cancel_at_solve(stage):
        if stage == "solve":
            raise siting.Cancelled(stage)

    with pytest.raises(siting.Cancelled):
        siting.solve(
            SitingRequest("toilets", ("999999",), k=2, spacing_m=200), layers, Standards(), Limits(), cancel_at_solve
        )


def test_too_large_a_run_is_refused_before_anything_is_built(client, app, store, planner):
    response = client.post(
        "/api/plan/jobs", data={"type": "toilets", "districts": "320506", "k": "1", "spacing": "25", "demand": "area"}
    )
    assert response.status_code == 422
    message = response.get_json()["error"]["message"]
    assert "more than the 250,000 a run may build" in message
    smallest = float(message.rsplit("spacing allowed for this area is ", 1)[1].split(" m")[0])
    assert not list((Path(app.config["STORE"]).parent / "jobs").glob("*.json"))  # no job was started
    layers = {name: store.read(name) for name in ("districts", "grids", "toilets")}
    request = dict(layer="toilets", districts=("320506",), k=1, demand="area")
    assert siting.estimate(SitingRequest(**request, spacing_m=smallest), layers, Limits(max_lattice=250_000))
    with pytest.raises(SitingError, match="smallest spacing allowed"):
        siting.estimate(SitingRequest(**request, spacing_m=smallest - 5), layers, Limits(max_lattice=250_000))
    # the synchronous API refuses it the same way
    assert client.get("/api/plan/sites?type=toilets&districts=320506&k=1&spacing=25&demand=area").status_code == 422


def test_a_run_beyond_its_memory_cap_fails_with_the_reason(store_path):
    app = create_app(
        {
            "STORE": str(store_path),
            "LAYERS_DIR": str(LAYERS),
            "TESTING": True,
            "SITING_MAX_MEMORY_MB": 20,
            "SECRET_KEY_FILE": str(store_path.parent / "secret_key"),
        }
    )
    response = app.test_client().get("/api/plan/sites?type=toilets&districts=320506&k=1&demand=area")
    assert response.status_code == 422
    assert "more than the 20 MB of memory a run may use" in response.get_json()["error"]["message"]


def test_runs_at_once_are_limited_across_processes_pages_answer_and_runs_cancel(store_path, tmp_path):
    settings = {
        "STORE": str(store_path),
        "LAYERS_DIR": str(LAYERS),
        "TESTING": True,
        "SITING_MAX_RUNNING": 2,
        "JOBS_DIR": str(tmp_path / "jobs"),
        "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
    }
    one, other = create_app(settings).test_client(), create_app(settings).test_client()  # two worker processes' apps
    use_token(one, "planner", "planner-one")
    use_token(other, "planner", "planner-other")
    urls = [one.post("/api/plan/jobs", data=HEAVY).get_json()["url"] for _ in range(2)]
    busy = other.post("/api/plan/jobs", data=HEAVY)
    assert busy.status_code == 503 and int(busy.headers["Retry-After"]) > 0
    assert "busy" in busy.get_json()["error"]["message"]
    # a separate process cannot take a slot either
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from geo_app.planning.jobs import files; print(files.take_slot(sys.argv[1], 2))",
            str(tmp_path / "jobs"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "None", [other.get(url).get_json() for url in urls]  # a run that ended says why
    # the public map answers while both runs work
    assert one.get("/").status_code == 200
    states = [other.get(url).get_json()["state"] for url in urls]
    assert states == ["running", "running"]
    # cancelled from the other worker
    for url in urls:
        assert other.delete(url).status_code == 202
    assert [settle(other, url)["state"] for url in urls] == ["cancelled", "cancelled"]
    # the slots are free again
    wait_until(lambda: files.take_slot(tmp_path / "jobs", 2), 10, "a free slot")


def test_a_job_whose_worker_died_is_reported_failed(tmp_path):
    jobs = Jobs(tmp_path, slots=1, keep_s=3600)
    files.write(tmp_path, {"id": "0" * 32, "state": "running", "stage": "solve", "task": {"secret": 1}})
    job = jobs.get("0" * 32)
    assert job["state"] == "failed" and "worker ended" in job["error"]["message"] and "task" not in job
    held = files.hold_life(tmp_path, "1" * 32)
    files.write(tmp_path, {"id": "1" * 32, "state": "running", "stage": "solve"})
    assert jobs.get("1" * 32)["state"] == "running"
    os.close(held)
    assert jobs.get("1" * 32)["state"] == "failed"


@pytest.mark.parametrize("path", ["/api/plan/jobs/nope", "/api/plan/jobs/" + "a" * 32, "/api/plan/jobs/..%2F..%2Fx"])
def test_unknown_jobs_are_404(client, planner, path):
    response = client.get(path)
    assert response.status_code == 404
    assert client.delete(path).status_code == 404


def test_jobs_under_gunicorn_with_several_workers(built_store_path, tmp_path):
    """The deployment: gunicorn worker processes, each request on whichever worker accepts it."""
    store = tmp_path / "suzhou.gpkg"
    copy_store_file(built_store_path, store)
    port = free_port()
    from geo_app.auth import users
    from geo_app.store import open_store

    opened = open_store(store)
    migrations.migrate(opened, Project(LAYERS))
    users.add(opened, "planner-1", "planner", TEST_PASSWORD)
    token = users.new_token(opened, "planner-1")
    opened.close()
    env = dict(
        os.environ,
        GEO_APP_STORE=str(store),
        GEO_APP_LAYERS_DIR=str(LAYERS),
        GEO_APP_SITING_MAX_RUNNING="1",
        GEO_APP_SECRET_KEY_FILE=str(tmp_path / "secret_key"),
    )
    server = subprocess.Popen(
        [
            shutil.which("gunicorn", path=os.path.dirname(sys.executable)),
            "--workers",
            "3",
            "--threads",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "geo_app:create_app()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def call(path, data=None, method=None):
        request = urllib.request.Request(
            base + path,
            data=urllib.parse.urlencode(data).encode() if data else None,
            method=method,
            headers={"Authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    try:
        wait_for(server, base + "/health")
        status, headers, _ = call("/api/plan/jobs", HEAVY)
        assert status == 202
        url = headers["Location"]
        # every poll, on whichever worker, sees the run; a second run anywhere is refused while it works
        assert {json.loads(call(url)[2])["state"] for _ in range(12)} == {"running"}
        assert [call("/api/plan/jobs", HEAVY)[0] for _ in range(3)] == [503] * 3, json.loads(call(url)[2])
        assert call("/")[0] == 200
        assert call(url, method="DELETE")[0] == 202
        state = wait_until(lambda: (s := json.loads(call(url)[2])["state"]) in files.FINAL and s, 60, "the cancel")
        assert state == "cancelled"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_running_or_cancelled_job_cannot_be_saved(client, app, planner):
    url = client.post("/api/plan/jobs", data=HEAVY).get_json()["url"]
    job_id = url.rsplit("/", 1)[1]
    running = client.post("/api/plan/scenarios", data={"name": "too early", "job": job_id})
    assert running.status_code == 409 and "only a finished run" in running.get_json()["error"]["message"]
    client.delete(url)
    assert settle(client, url)["state"] == "cancelled"
    assert client.post("/api/plan/scenarios", data={"name": "cancelled", "job": job_id}).status_code == 409
    assert client.get(url + "?format=csv").status_code == 409
    assert client.get("/api/plan/scenarios").get_json()["scenarios"] == []
