"""A reproducible load benchmark of the API: see bench/README.md (entry point: bench/run.py)."""
