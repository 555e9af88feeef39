from __future__ import annotations

import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from better_auth.users import user_id_error
from tasks.models import Task

BATCH_SIZE = 1000
PROGRESS_THRESHOLD = 1000
MAX_COUNT = 1_000_000

VERBS = ["Buy", "Call", "Email", "Fix", "Plan", "Read", "Review", "Write", "Clean", "Book"]
OBJECTS = ["groceries", "the dentist", "the report", "the bike", "a trip", "chapter 3", "the budget", "slides", "the garage", "tickets"]


class Command(BaseCommand):
    help = "Create demo tasks for USER_ID (default 20), a minute apart, about a third of them completed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user_id", help="The Better Auth user id who will own the tasks.")
        parser.add_argument("--count", type=int, default=20, help=f"How many tasks (1 to {MAX_COUNT}; default 20).")
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for repeatable data.")

    def handle(self, *args, user_id: str, count: int, seed: int | None, **options) -> None:
        if problem := user_id_error(user_id):
            raise CommandError(problem)
        if not 1 <= count <= MAX_COUNT:
            raise CommandError(f"--count must be between 1 and {MAX_COUNT}.")
        rng = random.Random(seed)
        oldest = timezone.now() - timedelta(minutes=count)
        show_progress = count >= PROGRESS_THRESHOLD
        created = 0
        while created < count:
            batch = [
                self._demo_task(rng, user_id, number, oldest + timedelta(minutes=number))
                for number in range(created + 1, min(created + BATCH_SIZE, count) + 1)
            ]
            Task.objects.bulk_create(batch)
            created += len(batch)
            if show_progress:
                self._progress(created, count)
        if show_progress:
            self.stderr.write("")
        self.stdout.write(self.style.SUCCESS(f"Created {created} demo tasks for user {user_id!r}."))

    @staticmethod
    def _demo_task(rng: random.Random, user_id: str, number: int, created_at) -> Task:
        title = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} (#{number})"
        description = rng.choice([None, "", f"Demo task number {number}."])
        return Task(
            user_id=user_id,
            title=title,
            description=description,
            completed=rng.random() < 1 / 3,
            created_at=created_at,
            updated_at=created_at,
        )

    def _progress(self, done: int, total: int, width: int = 30) -> None:
        filled = width * done // total
        bar = "#" * filled + "-" * (width - filled)
        self.stderr.write(f"\r[{bar}] {done}/{total} ({100 * done // total}%)", ending="")
        self.stderr.flush()
