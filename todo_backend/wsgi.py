"""WSGI entry point: ``gunicorn todo_backend.wsgi`` (see gunicorn.conf.py)."""

import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_backend.settings")

application = get_wsgi_application()

# Django runs its system checks in manage.py commands only; a server must not start with a
# configuration they call an error (for example an algorithm no key could verify).
if errors := [message for message in checks.run_checks() if message.is_serious()]:
    raise ImproperlyConfigured("System checks failed:\n" + "\n".join(str(error) for error in errors))

# Import the URLconf (and with it every view, DRF and drf-spectacular) now, not on the first
# request: with gunicorn's preload_app that happens once, before the workers fork.
import todo_backend.urls  # noqa: E402,F401
