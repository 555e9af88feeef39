from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks.models import IdempotencyKey, Task


class Command(BaseCommand):
    help = (
        "Delete every task of USER_ID, e.g. after the user deleted their Better Auth account. "
        "Asks for confirmation unless --yes is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user_id", help="The Better Auth user id whose tasks are deleted.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, user_id: str, yes: bool, **options) -> None:
        # Every row of the user, tombstones of deleted tasks included: nothing of theirs is kept.
        tasks = Task.objects.filter(user_id=user_id)
        count = tasks.count()
        if count == 0:
            self.stdout.write(f"User {user_id!r} has no tasks; nothing deleted.")
            return
        if not yes:
            answer = input(f"Delete all {count} tasks of user {user_id!r}? This cannot be undone. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Aborted; nothing deleted.")
        deleted, _ = tasks.delete()
        IdempotencyKey.objects.filter(user_id=user_id).delete()
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} tasks of user {user_id!r}."))
