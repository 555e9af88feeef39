from __future__ import annotations

from django.db import models
from django.db.models.functions import Length, Now, Trim
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone

from better_auth.users import USER_ID_MAX_LENGTH

TITLE_MAX_LENGTH = 255
DESCRIPTION_MAX_LENGTH = 10_000
MAX_TASK_ID = 2**63 - 1  # ids come from a bigint sequence


def is_task_id(value: object) -> bool:
    """Whether ``value`` is an id a task can have: a positive integer within bigint range."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_TASK_ID


class Task(models.Model):
    """One to-do item, owned by the Better Auth user whose id is ``user_id``.

    There is no users table here: Better Auth owns users, and ``user_id`` is the ``sub`` of the
    verified token that created the row.

    A deleted task keeps its row, with ``deleted_at`` set, as the tombstone that tells syncing
    clients it is gone (``GET tasks/deleted``); ``TaskViewSet.get_queryset`` hides it from every
    other read, and ``manage.py cleanup_expired`` removes it after ``TOMBSTONE_RETENTION_DAYS``.
    ``version`` counts the row's changes: it makes the task's ETag.
    """

    id = models.BigAutoField(primary_key=True)
    user_id = models.CharField(max_length=USER_ID_MAX_LENGTH)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(null=True, blank=True)
    completed = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())
    updated_at = models.DateTimeField(default=timezone.now, db_default=Now())
    version = models.BigIntegerField(default=1, db_default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "tasks"
        # No default ordering: the list orders explicitly (tasks.filters), and a read by id
        # should not carry an ORDER BY it does not need.
        indexes = [
            # The default list: one user's live rows, newest first, read straight off the index.
            models.Index(
                fields=["user_id", "-created_at", "-id"],
                condition=models.Q(deleted_at__isnull=True),
                name="tasks_user_live_created_idx",
            ),
            # Incremental sync: one user's rows changed since a moment.
            models.Index(
                fields=["user_id", "updated_at"],
                condition=models.Q(deleted_at__isnull=True),
                name="tasks_user_live_updated_idx",
            ),
            # Tombstones: one user's rows deleted since a moment (and their purge).
            models.Index(
                fields=["user_id", "deleted_at"],
                condition=models.Q(deleted_at__isnull=False),
                name="tasks_user_deleted_idx",
            ),
        ]
        # The serializer validates first; these keep the table right whatever writes to it
        # (SQLite does not enforce varchar lengths).
        constraints = [
            models.CheckConstraint(
                condition=GreaterThan(Length("user_id"), 0), name="tasks_user_id_not_empty"
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length(Trim("title")), 0), name="tasks_title_not_blank"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("title"), TITLE_MAX_LENGTH),
                name="tasks_title_max_length",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), DESCRIPTION_MAX_LENGTH),
                name="tasks_description_max_length",
            ),
        ]

    def save(self, *args, **kwargs) -> None:
        # What a write does to a row (a new version, updated_at moved) lives in tasks.queries,
        # so save() only inserts: an update through it would leave clients holding stale ETags.
        if not self._state.adding:
            raise TypeError("Task.save() only inserts; change a task through tasks.queries.")
        # One clock reading: a new task's updated_at equals its created_at exactly, so clients
        # can tell "never edited" from "edited".
        self.updated_at = self.created_at
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"Task {self.id} of {self.user_id}: {self.title}"


class IdempotencyKey(models.Model):
    """The first answer to a ``POST`` that carried an ``Idempotency-Key``, replayed to retries.

    Unique per user and key, so a retry, or a duplicate racing the first request, can only find
    the stored answer: the task and this row are written in one transaction. Expired after
    ``IDEMPOTENCY_KEY_TTL_HOURS``, on read and by ``manage.py cleanup_expired``.
    """

    user_id = models.CharField(max_length=USER_ID_MAX_LENGTH)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body, canonical JSON")
    # Filled in the transaction that claims the key, so a committed record always has its answer.
    response_status = models.PositiveSmallIntegerField(default=0)
    # The exact bytes the first answer sent: a replay is that answer to the byte (jsonb would
    # reorder its keys).
    response_content = models.BinaryField(default=b"")
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "idempotency_keys"
        constraints = [models.UniqueConstraint(fields=["user_id", "key"], name="idempotency_keys_user_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_keys_created_idx")]
