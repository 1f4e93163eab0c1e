"""Sources -> store: imports (ingest/), seeding and importing into the store (pipeline.py), the store's schema
migrations (migrations.py), the demo and city-scale generators, and the district boundary builder."""
