from django.db import models


class RateCounter(models.Model):
    """A rate-limit counter, when they live in the database (no ``REDIS_URL``): how many requests
    one caller (a user, or a client address) made in the current window of its limit's period.

    One row per caller and limit, reused by each next window (``todo_backend.counters``).
    """

    ident = models.CharField(primary_key=True, max_length=64, help_text="The limit's scope and the caller's digest.")
    window = models.BigIntegerField(db_column="window_number", help_text="Which window of the period is counted.")
    hits = models.PositiveIntegerField()
    expires_at = models.BigIntegerField(help_text="When the window ends, in Unix seconds.")

    class Meta:
        db_table = "rate_limit_counters"
        indexes = [models.Index(fields=["expires_at"], name="rate_limit_counters_expiry_idx")]
