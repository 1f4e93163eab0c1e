"""The store benchmark script runs against a live server (a few requests only: its numbers are not checked)."""

from benchmarks import measure, store


def test_latency_part_reports_every_request_kind_answered(live_server, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(measure, "RESULTS", tmp_path)
    store.main([live_server.url, "--only", "latency", "--runs", "4"])
    [written] = tmp_path.glob("store-*.md")
    text = written.read_text(encoding="utf-8")
    rows = [line.split("|")[1:-1] for line in text.splitlines() if line.startswith("| ") and " ms |" in line]
    assert [r[0].strip() for r in rows] == [title for title, _ in store.latency_paths([(120.62, 31.31)]).values()] + [
        "OGC items, limit=1000 toilets"
    ]
    assert all(r[4].strip() == "0" for r in rows), rows  # every request answered 200
    assert text.strip() in capsys.readouterr().out


def test_query_points_lie_in_grid_cells(live_server):
    client = measure.Client(live_server.url)
    points = measure.query_points(client, 5)
    assert points.shape == (5, 2)
    for lon, lat in points:
        status, _, _ = client.get(f"/api/grids/at?lon={lon}&lat={lat}")
        assert status == 200


def test_bbox_around_is_the_asked_size():
    from geo_app import crs

    minx, miny, maxx, maxy = map(float, measure.bbox_around(120.62, 31.31, 2000).split(","))
    x, y = crs.convert([minx, maxx], [miny, maxy], crs.WGS84, f"EPSG:{crs.METRIC_EPSG}")
    assert abs((x[1] - x[0]) - 2000) < 1 and abs((y[1] - y[0]) - 2000) < 1
