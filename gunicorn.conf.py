"""Gunicorn settings for production: ``gunicorn todo_backend.wsgi`` picks this file up by itself.

Sized from the environment the way PaaS hosts expect (PORT, WEB_CONCURRENCY).
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"

# Each worker holds its own persistent database connection(s): workers x threads is the number of
# connections this instance opens (mind Neon's limits; use its pooled URL for many instances).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# Load the app once in the master and fork workers from it: they share its memory, and a new
# worker (also one recycled by max_requests) serves its first request without importing Django.
preload_app = True

# A request that takes longer than this is killed and its worker restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Recycle workers now and then, so slow leaks in any library cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Trust X-Forwarded-* only from these addresses (your load balancer), never from clients.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
