"""A real HTTP server (gunicorn with its asgi worker, as `make run` serves, in its own process) on a copy of the
built store, for clients that need one: GDAL's OAPIF driver, the browser tests and the live event streams."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from geo_app.settings import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(process: subprocess.Popen, url: str, seconds: float = 120, log=None) -> None:
    """Until `url` answers; the server's error output (`log`: the file its stderr goes to) if its process ends
    first, RuntimeError after `seconds`."""
    deadline = time.monotonic() + seconds  # a loaded CI machine imports slowly
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if process.poll() is not None:
                said = b""
                if log is not None:
                    log.seek(0)
                    said = log.read()
                raise RuntimeError(f"the server did not start: {said.decode(errors='replace')[-2000:]}") from None
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"the server did not answer {url} within {seconds:g} s")


def wait_until(condition, seconds: float = 120, what: str = "the condition", interval: float = 0.1):
    """Polls `condition()` until it returns something other than None or False, and returns that; AssertionError
    after `seconds` (a deadline, not a number of rounds: a loaded machine is slow, not stuck)."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds:g} s")
        time.sleep(interval)


class LiveServer:
    """The app on loopback: gunicorn's asgi worker, `workers` processes (1 unless given; the benchmarks use more),
    each running the Flask app in web/asgi.py's thread pool. `settings` become GEO_APP_ environment variables."""

    def __init__(self, store_path: Path, *, workers: int | None = None, **settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, GEO_APP_STORE=str(store_path), **{f"GEO_APP_{k}": str(v) for k, v in settings.items()})
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "-k",
            "asgi",
            "--workers",
            str(workers or 1),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--no-control-socket",
            # a stop waits this long for open event streams (their browsers reconnect elsewhere with Last-Event-ID)
            "--graceful-timeout",
            "3",  # the host's one socket is a developer's `make run`'s, not a test server's
            "geo_app:create_asgi()",
        ]
        # the server's log goes to a file: a pipe nobody reads fills up and then blocks every request that logs
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        wait_for(self.process, self.url + "/health", log=self.log)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()
