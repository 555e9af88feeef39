"""Deleted tasks become tombstones (deleted_at), every task gets a version (its ETag), and the
first answers to POSTs with an Idempotency-Key are kept (idempotency_keys)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0003_rate_limit_cache_table'),
    ]

    operations = [
        migrations.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('user_id', models.CharField(max_length=255)),
                ('key', models.CharField(max_length=255)),
                ('fingerprint', models.CharField(help_text='SHA-256 of the request body, canonical JSON', max_length=64)),
                ('response_status', models.PositiveSmallIntegerField(default=0)),
                ('response_body', models.JSONField(default=dict)),
                ('response_headers', models.JSONField(default=dict)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'db_table': 'idempotency_keys',
            },
        ),
        migrations.AddField(
            model_name='task',
            name='deleted_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='task',
            name='version',
            field=models.BigIntegerField(db_default=1, default=1),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True)), fields=['user_id', '-created_at', '-id'], name='tasks_user_live_created_idx'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True)), fields=['user_id', 'updated_at'], name='tasks_user_live_updated_idx'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(condition=models.Q(('deleted_at__isnull', False)), fields=['user_id', 'deleted_at'], name='tasks_user_deleted_idx'),
        ),
        # The old list index goes only once its partial successor exists.
        migrations.RemoveIndex(
            model_name='task',
            name='tasks_user_created_idx',
        ),
        migrations.AddIndex(
            model_name='idempotencykey',
            index=models.Index(fields=['created_at'], name='idempotency_keys_created_idx'),
        ),
        migrations.AddConstraint(
            model_name='idempotencykey',
            constraint=models.UniqueConstraint(fields=('user_id', 'key'), name='idempotency_keys_user_key_unique'),
        ),
    ]
