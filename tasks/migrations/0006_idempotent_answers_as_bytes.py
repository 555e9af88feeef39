"""Idempotent answers are kept as the exact bytes first sent (jsonb reorders an object's keys, so
a replay rendered from it differed from the first answer). Records stored before keep their body,
re-rendered in the order jsonb gives it: they expire within IDEMPOTENCY_KEY_TTL_HOURS anyway."""

import json

from django.db import migrations, models


def keep_stored_bodies(apps, schema_editor):
    IdempotencyKey = apps.get_model("tasks", "IdempotencyKey")
    for record in IdempotencyKey.objects.only("pk", "response_body").iterator():
        record.response_content = json.dumps(record.response_body, separators=(",", ":")).encode()
        record.save(update_fields=["response_content"])


class Migration(migrations.Migration):
    dependencies = [("tasks", "0005_drop_rate_limit_cache_table")]

    operations = [
        migrations.AddField(
            model_name="idempotencykey",
            name="response_content",
            field=models.BinaryField(default=b""),
        ),
        migrations.RunPython(keep_stored_bodies, migrations.RunPython.noop),
        migrations.RemoveField(model_name="idempotencykey", name="response_body"),
    ]
