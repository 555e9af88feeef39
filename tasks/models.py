from __future__ import annotations

from django.db import models
from django.db.models.functions import Length, Now, Trim
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone

TITLE_MAX_LENGTH = 255
DESCRIPTION_MAX_LENGTH = 10_000
USER_ID_MAX_LENGTH = 255


class Task(models.Model):
    """One to-do item, owned by the Better Auth user whose id is ``user_id``.

    There is no users table here: Better Auth owns users, and ``user_id`` is the ``sub`` of the
    verified token that created the row.
    """

    id = models.BigAutoField(primary_key=True)
    user_id = models.CharField(max_length=USER_ID_MAX_LENGTH)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(null=True, blank=True)
    completed = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())
    updated_at = models.DateTimeField(default=timezone.now, db_default=Now())

    class Meta:
        db_table = "tasks"
        # No default ordering: the list orders explicitly (tasks.filters), and a read by id
        # should not carry an ORDER BY it does not need.
        indexes = [
            # Serves the default list: one user's rows, newest first, read straight off the index.
            models.Index(fields=["user_id", "-created_at", "-id"], name="tasks_user_created_idx"),
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
        # One clock reading per write: a new task's updated_at equals its created_at exactly,
        # so clients can tell "never edited" from "edited".
        if self._state.adding:
            self.updated_at = self.created_at
        else:
            self.updated_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"Task {self.id} of {self.user_id}: {self.title}"
