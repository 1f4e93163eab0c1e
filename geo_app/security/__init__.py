"""Being safe in front of strangers: response headers (headers.py) and checks on text from requests (text.py)."""
