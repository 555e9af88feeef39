"""The production topology, run from its real pieces: nginx with the shipped site, two gunicorn
instances, PgBouncer in transaction mode, PostgreSQL and Redis (see ``deployment.py``)."""
