"""Settings and their defaults. Every one can be set in the environment as GEO_APP_<NAME> (read when the app
is created, never at import time) or passed to create_app() by tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    # The store: a GeoPackage path (created and seeded by `make store` when missing) or a postgresql:// URL.
    "STORE": str(ROOT / "instance" / "suzhou.gpkg"),
    # Where `flask store-backup` (and a forced rebuild) write backups.
    "BACKUP_DIR": str(ROOT / "instance" / "backups"),
    # The folder with the catalog, units, standards, report table and the layer source files.
    "LAYERS_DIR": str(ROOT / "layers"),
    # Largest file an import accepts, in bytes.
    "MAX_IMPORT_BYTES": 50 * 1024 * 1024,
    # Basemap a page opens with: osm, amap, tianditu (needs TIANDITU_KEY) or none (no tiles: intranet).
    "DEFAULT_BASEMAP": "osm",
    # A Tianditu (天地图) browser key; without one the Tianditu basemap is not offered.
    "TIANDITU_KEY": "",
    # Siting (planner): CBC's time limit per solve, and the problem size beyond which demand is aggregated and
    # the candidate lattice thinned (each run says what it simplified).
    "SOLVER_TIME_LIMIT_S": 30,
    "SITING_MAX_DEMAND": 20000,
    "SITING_MAX_CANDIDATES": 10000,
    "SITING_DEMAND_SPACING_M": 100,
    # The address the public reaches the service at (https://map.example.cn), for the absolute links of
    # OGC API - Features; empty: those links are paths relative to the document. Never taken from Host.
    "PUBLIC_BASE_URL": "",
    # Siting runs as jobs: the candidate lattice points a run may build (refused beforehand beyond it), the memory
    # one run may use, how many run at once across all worker processes (more get 503 with Retry-After), where
    # job state is kept (files, shared by the worker processes) and how long a finished job is kept.
    "SITING_MAX_LATTICE": 250_000,
    "SITING_MAX_MEMORY_MB": 2048,
    "SITING_MAX_RUNNING": 2,
    "JOBS_DIR": "",  # empty: a folder `jobs` beside a GeoPackage store file (instance/jobs for PostGIS)
    "SITING_JOB_KEEP_S": 86_400,
    # Vector tiles kept in memory by each worker process (bytes); a write to a layer retires its tiles.
    "TILE_CACHE_BYTES": 64 * 1024 * 1024,
    # Sessions: the key that signs the session cookie. Empty: a random key is made once and kept in
    # SECRET_KEY_FILE, so that every worker process (and a restart) uses the same one.
    "SECRET_KEY": "",
    "SECRET_KEY_FILE": str(ROOT / "instance" / "secret_key"),
    # true when the service is reached over https (the session cookie is then sent over https only).
    "SESSION_COOKIE_SECURE": False,
    # How long a login lasts, in hours.
    "LOGIN_HOURS": 12,
    # Reverse proxies in front of the service whose X-Forwarded-For / X-Forwarded-Proto are believed (0: none).
    "TRUSTED_PROXIES": 0,
    # Rate limits (https://limits.readthedocs.io notation; several separated by ";"). Counted in
    # RATE_LIMIT_STORAGE: memory:// counts per worker process; redis://host:6379 counts across processes.
    "RATE_LIMIT_STORAGE": "memory://",
    "RATE_LIMIT_ANONYMOUS": "1200 per minute",
    "RATE_LIMIT_WRITES": "30 per minute;500 per day",
    "RATE_LIMIT_LOGIN": "10 per minute;100 per day",
    # Case reports without a login (the public "report a problem", Open311 POST requests), per client address.
    "RATE_LIMIT_REPORTS": "10 per minute;100 per day",
}

DOCUMENTED = {
    "STORE": "the store: path of a GeoPackage file, or a postgresql:// URL (PostGIS)",
    "BACKUP_DIR": "folder of the backups written by store-backup and by a forced rebuild",
    "LAYERS_DIR": "folder with catalog/, units.toml, standards.toml, report/ and the layer files",
    "MAX_IMPORT_BYTES": "largest file an import accepts, in bytes",
    "DEFAULT_BASEMAP": "basemap a page opens with: osm, amap, tianditu or none",
    "TIANDITU_KEY": "Tianditu browser key; without it the Tianditu basemap is not offered",
    "SOLVER_TIME_LIMIT_S": "time limit of one siting solve (CBC), in seconds",
    "SITING_MAX_DEMAND": "demand points a siting run solves at most (more are aggregated)",
    "SITING_MAX_CANDIDATES": "candidate sites a siting run solves at most (more are thinned)",
    "SITING_DEMAND_SPACING_M": "spacing of the demand lattice over the patrolled area, in metres",
    "PUBLIC_BASE_URL": "address the public reaches the service at, for absolute OGC links; empty: relative links",
    "SITING_MAX_LATTICE": "candidate lattice points a siting run may build; a larger run is refused (422) beforehand, naming the smallest spacing allowed",
    "SITING_MAX_MEMORY_MB": "memory (address space) one siting run may use beyond its loaded libraries, in MB, the solver included",
    "SITING_MAX_RUNNING": "siting runs at once across all worker processes; more get 503 with Retry-After",
    "JOBS_DIR": "folder of the siting jobs' state files, shared by all worker processes (empty: jobs/ beside a GeoPackage store, else instance/jobs)",
    "SITING_JOB_KEEP_S": "how long a finished siting job (and its result) is kept, in seconds",
    "TILE_CACHE_BYTES": "bytes of vector tiles each worker process keeps in memory (least recently used go first)",
    "SECRET_KEY": "key that signs session cookies; empty: a random key kept in SECRET_KEY_FILE",
    "SECRET_KEY_FILE": "where the generated session key is kept (made once, mode 0600)",
    "SESSION_COOKIE_SECURE": "true when served over https: the session cookie is sent over https only",
    "LOGIN_HOURS": "how long a login lasts, in hours",
    "TRUSTED_PROXIES": "reverse proxies whose X-Forwarded-For / -Proto are believed (0: none)",
    "RATE_LIMIT_STORAGE": "where rate limits are counted: memory:// (per worker process) or redis://host:port",
    "RATE_LIMIT_ANONYMOUS": "requests per client address without a login (pages, API, OGC; not static files)",
    "RATE_LIMIT_WRITES": "state-changing requests (POST, PUT, PATCH, DELETE) per user",
    "RATE_LIMIT_LOGIN": "login attempts per client address",
    "RATE_LIMIT_REPORTS": "case reports without a login (public reports, Open311 POST requests) per client address",
}
