"""The service as make run serves it (gunicorn's asgi worker, web/asgi.py): connections that send their request
slowly wait on the event loop, not in one of the Flask app's threads, so the service answers others meanwhile."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from tests.conftest import copy_store_file
from tests.live import LiveServer

SLOW = 200  # connections that sent half a request line's headers and nothing more


@pytest.mark.slow
def test_two_hundred_slow_clients_do_not_stop_the_service(tmp_path, built_store_path):
    path = tmp_path / "suzhou.gpkg"
    copy_store_file(built_store_path, path)
    server = LiveServer(path, workers=1, SECRET_KEY_FILE=tmp_path / "secret_key")
    held = []
    try:
        port = int(server.url.rsplit(":", 1)[1])
        for _ in range(SLOW):
            connection = socket.create_connection(("127.0.0.1", port), timeout=10)
            connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            held.append(connection)
        # one worker with 8 threads: a thread per slow client would leave none for these
        for _ in range(20):
            with urllib.request.urlopen(server.url + "/health", timeout=10) as answer:
                assert answer.status == 200
        with urllib.request.urlopen(server.url + "/api/layers", timeout=10) as answer:
            assert answer.status == 200
    finally:
        for connection in held:
            connection.close()
        server.stop()
