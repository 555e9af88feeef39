"""Rate-limit counters now live in todo_backend's own table (one exact upsert per request), so the
database cache table that held them goes."""

from importlib import import_module

from django.db import migrations

cache_table = import_module("tasks.migrations.0003_rate_limit_cache_table")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0004_tombstones_versions_idempotency_keys")]

    operations = [migrations.RunPython(cache_table.drop_cache_table, cache_table.create_cache_table)]
