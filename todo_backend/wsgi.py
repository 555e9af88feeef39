"""WSGI entry point: ``gunicorn todo_backend.wsgi`` (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_backend.settings")

application = get_wsgi_application()
