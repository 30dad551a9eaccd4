"""Reading a user's notifications: only ever their own."""

from functools import cached_property

from django.db.models import QuerySet

from .models import Notification


def notifications_for(user) -> QuerySet[Notification]:
    """The user's notifications, newest first. Nobody reads another person's notifications."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


class Bell:
    """The header bell: counts unread notifications once, and only if a template asks."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        return unread_count(self.user)

    @property
    def label(self) -> str:
        return "99+" if self.count > 99 else str(self.count)
