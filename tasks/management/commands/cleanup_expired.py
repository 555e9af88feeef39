from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from tasks.idempotency import keys_valid_since
from tasks.models import IdempotencyKey, Task
from tasks.sync import tombstones_kept_since


class Command(BaseCommand):
    help = (
        "Remove what has expired: tombstones of tasks deleted more than TOMBSTONE_RETENTION_DAYS ago, "
        "and Idempotency-Key records older than IDEMPOTENCY_KEY_TTL_HOURS. Safe to run at any time "
        "(e.g. daily from cron)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be removed; remove nothing.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        tombstones = Task.objects.filter(deleted_at__lt=tombstones_kept_since())
        keys = IdempotencyKey.objects.filter(created_at__lt=keys_valid_since())
        if dry_run:
            self.stdout.write(f"Would remove {tombstones.count()} tombstones and {keys.count()} idempotency keys.")
            return
        removed_tombstones, _ = tombstones.delete()
        removed_keys, _ = keys.delete()
        self.stdout.write(self.style.SUCCESS(f"Removed {removed_tombstones} tombstones and {removed_keys} idempotency keys."))
