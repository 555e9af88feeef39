"""The table of Django's database cache, where rate-limit counters lived when REDIS_URL was unset
(until todo_backend's ``rate_limit_counters`` replaced it; 0005 drops it).

The same table ``manage.py createcachetable`` would create; a migration, so that no deployment can
forget it.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations


CACHE_TABLE = "api_cache"


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0002_task_without_default_ordering")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
