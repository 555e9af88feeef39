"""The table of Django's database cache, where rate-limit counters live when REDIS_URL is unset.

The same table ``manage.py createcachetable`` would create; a migration, so that no deployment can
forget it. Harmless (and unused) with Redis.
"""

from django.conf import settings
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, settings.CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0002_task_without_default_ordering")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
