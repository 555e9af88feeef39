"""WSGI entry point: ``gunicorn todo_backend.wsgi`` (see gunicorn.conf.py)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_backend.settings")

from django.core import checks  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402

django_application = get_wsgi_application()

# Django runs its system checks in manage.py commands only; a server must not start with a
# configuration they call an error (for example an algorithm no key could verify).
if errors := [message for message in checks.run_checks() if message.is_serious()]:
    raise ImproperlyConfigured("System checks failed:\n" + "\n".join(str(error) for error in errors))

from todo_backend.middleware import ChunkedBodies  # noqa: E402
from todo_backend.postgresql.base import limit_statement_time  # noqa: E402
from todo_backend.request_log import RequestIdScope  # noqa: E402

# Around Django: chunked bodies read before it reads Content-Length, the request id set before
# it logs; and the server's (not a command's) database statements time-limited.
application = RequestIdScope(ChunkedBodies(django_application))
connection_created.connect(limit_statement_time)

# Import the URLconf (and with it every view, DRF and drf-spectacular) now, not on the first
# request: with gunicorn's preload_app that happens once, before the workers fork.
import todo_backend.urls  # noqa: E402,F401
