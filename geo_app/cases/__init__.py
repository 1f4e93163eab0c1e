"""Cases on the grid (数字城管): problems from report to closure.

catalog.py (the classes, layers/case_classes.toml), lifecycle.py (the transitions as data, due times),
service.py (report, act, get, search, queue: what the HTTP API, the pages and the demo generator call),
photos.py (checked, re-encoded photos), routes.py (/api/cases), open311.py (/open311/v2)."""
