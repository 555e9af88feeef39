"""On PostgreSQL, search (``search=``) is served by a trigram index instead of a scan of every
description of the user: one user with thousands of long tasks made each search read them all.

The index is on exactly the expressions Django's ``icontains`` compares, ``UPPER(column::text)``,
for live tasks; pg_trgm's GIN operator class answers ``LIKE '%...%'`` from it. SQLite keeps
scanning (it has no such index; a development database is small).
"""

from django.db import migrations

INDEX = "tasks_live_search_trgm_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON tasks USING gin "
        "(UPPER(title::text) gin_trgm_ops, UPPER(description::text) gin_trgm_ops) WHERE deleted_at IS NULL"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0006_idempotent_answers_as_bytes")]

    operations = [migrations.RunPython(create_index, drop_index)]
