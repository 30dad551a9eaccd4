"""Deadlines: the default time limit per focus problem, counted in working days (or hours)."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from propwatch.campaigns.models import DEFAULT_TIME_LIMITS, TimeLimit
from propwatch.campaigns.working_days import add_working_days

SHANGHAI = ZoneInfo(settings.TIME_ZONE)


def end_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=SHANGHAI)


def time_limit(focus: int) -> dict:
    row = TimeLimit.objects.filter(focus=focus).first()
    if row is not None:
        return {"hours": row.hours} if row.hours else {"working_days": row.working_days}
    return DEFAULT_TIME_LIMITS[focus]


def default_deadline(focus: int, found_on: datetime.date, now: datetime.datetime | None = None
                     ) -> tuple[datetime.datetime, bool]:
    """(deadline, provisional) for a problem of `focus` found on `found_on`."""
    now = now or timezone.now()
    limit = time_limit(focus)
    if limit.get("hours"):
        # Urgent: calendar hours from when it was found (registration time when found today).
        start = now if found_on >= timezone.localdate(now) else datetime.datetime.combine(
            found_on, datetime.time(9, 0), tzinfo=SHANGHAI)
        return start + datetime.timedelta(hours=limit["hours"]), False
    result = add_working_days(found_on, limit["working_days"])
    return end_of_day(result.date), result.provisional


def extend_by_working_days(deadline: datetime.datetime, days: int) -> tuple[datetime.datetime, bool]:
    result = add_working_days(timezone.localtime(deadline).date(), days)
    return end_of_day(result.date), result.provisional
