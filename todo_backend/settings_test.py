"""Settings for the test suite: the production settings, made hermetic.

Tests run with DEBUG off (as in production) and fixed test secrets, and never read a developer's
``.env``; ``DATABASE_URL`` still chooses the database, so CI runs the same suite on PostgreSQL.
"""

import os

os.environ["ENV_FILE"] = ""
os.environ["DJANGO_DEBUG"] = "0"
os.environ["DJANGO_SECRET_KEY"] = "test-django-secret-key-" + "k" * 40
os.environ["BETTER_AUTH_SECRET"] = "test-better-auth-secret-" + "s" * 40
os.environ["BETTER_AUTH_ISSUER"] = ""
os.environ["BETTER_AUTH_AUDIENCE"] = ""
os.environ["BETTER_AUTH_URL"] = ""
os.environ["BETTER_AUTH_JWKS_URL"] = ""

from todo_backend.settings import *  # noqa: E402,F401,F403

# Static files straight from the apps (no collectstatic before a test run).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# Tests speak plain HTTP to the test client; production redirects it to HTTPS.
SECURE_SSL_REDIRECT = False
# Rate-limit counters in memory, per test process (cleared before each test in conftest.py); the
# tests of the shared limits run real servers with the database table and with Redis.
REDIS_URL = ""
RATE_LIMIT_COUNTERS = "memory"
