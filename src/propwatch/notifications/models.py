"""In-app notifications, and the record that makes each periodic job run once per period."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """A message for one user. `key` makes a notification idempotent: the same key is sent once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=120)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")]
        indexes = [
            # The notifications page: one user's rows, newest first.
            models.Index(fields=["user", "-created_at"], name="notification_user_newest"),
            # The bell on every page counts a user's unread rows; read ones pile up and are skipped.
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ScheduledRun(models.Model):
    """One row per (job, period): inserting it is how a scheduler claims the period.

    Two schedulers on two machines race on the unique constraint; only the winner enqueues.
    """

    job = models.CharField(max_length=60)
    period = models.CharField(max_length=20)  # e.g. "2026-12-03" for a daily job
    enqueued_at = models.DateTimeField(auto_now_add=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-enqueued_at"]
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="scheduled_run_once_per_period")]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"
