"""WSGI entry point: ``gunicorn todo_backend.wsgi`` (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_backend.settings")

application = get_wsgi_application()

# Import the URLconf (and with it every view, DRF and drf-spectacular) now, not on the first
# request: with gunicorn's preload_app that happens once, before the workers fork.
import todo_backend.urls  # noqa: E402,F401
