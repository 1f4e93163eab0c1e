"""Cases on the grid (数字城管): problems from report to closure, as a domain without HTTP.

lifecycle.py (the transitions as data, due times), workclock.py (working hours and holidays), service.py (report,
act, get, search, queue: what the web layer, Open311 and the demo generator call), attributes.py (what a class asks
beyond the place), photos.py (checked, re-encoded photos), statistics.py and heat.py (indicators and hot spots),
tables.py (the store tables). The classes themselves are data: project/case_classes.py."""
