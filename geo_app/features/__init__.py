"""Reading the layers for people: filtered features and GeoJSON (query.py), the nearest facilities (nearest.py),
per-district statistics (statistics.py)."""
