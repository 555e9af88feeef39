"""Gunicorn settings for production: ``gunicorn todo_backend.wsgi`` picks this file up by itself.

Sized from the environment the way PaaS hosts expect (PORT, WEB_CONCURRENCY), read with the same
typed readers as the Django settings, so a bad value stops start-up naming the variable.
"""

import sys
from pathlib import Path

# The project's own readers, wherever gunicorn (or a tool reading this file) was started from.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from todo_backend.cpus import usable_cpu_count  # noqa: E402
from todo_backend.env import env_int, env_str, log_level  # noqa: E402

bind = f"{env_str('HOST', '0.0.0.0')}:{env_int('PORT', 8000, minimum=0, maximum=65535)}"

# Each worker holds its own persistent database connection(s): workers x threads is the number of
# connections this instance opens (mind Neon's limits; use its pooled URL for many instances).
# The default counts the CPUs this process may use, not the host's: in a container, its CPU set
# and quota (todo_backend/cpus.py).
workers = env_int("WEB_CONCURRENCY", usable_cpu_count() * 2 + 1, minimum=1)
threads = env_int("GUNICORN_THREADS", 1, minimum=1)
worker_class = "gthread" if threads > 1 else "sync"

# Load the app once in the master and fork workers from it: they share its memory, and a new
# worker (also one recycled by max_requests) serves its first request without importing Django.
preload_app = True

# A request that takes longer than this is killed and its worker restarted.
timeout = env_int("GUNICORN_TIMEOUT", 30, minimum=1)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=0)
keepalive = env_int("GUNICORN_KEEPALIVE", 5, minimum=0)

# Recycle workers now and then, so slow leaks in any library cannot grow without bound.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 10_000, minimum=0)
max_requests_jitter = max_requests // 10

accesslog = env_str("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = log_level().lower()

# Trust X-Forwarded-* only from these addresses (your load balancer), never from clients.
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1")

# No control socket (gunicornc). Its path is one per user (~/.gunicorn/gunicorn.ctl): several
# instances on one host would fight over it, and stopping one deletes the socket of another.
control_socket_disable = True


def on_starting(server):
    """gunicorn's own answers to the requests it refuses are JSON, like the API's (see
    todo_backend/server_errors.py); set in the master, before any worker forks."""
    from todo_backend.server_errors import use_json_error_pages

    use_json_error_pages()
