from django.db import models


class RateLimitCounter(models.Model):
    """One row per rate-limited identity: the current window and the requests counted in it.

    Written by a single ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement, so counting is
    atomic on SQLite and PostgreSQL without a transaction around it (see ``billing.api.ratelimit``).
    """

    identity = models.CharField(max_length=200, primary_key=True)
    window_start = models.BigIntegerField(help_text="Window number: epoch seconds ÷ period.")
    hits = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.identity}: {self.hits} in window {self.window_start}"
