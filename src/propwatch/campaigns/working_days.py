"""Working days in the Chinese official calendar, for deadlines.

Order of authority for a date: our own `CalendarDay` table (what an administrator entered), then
the `chinesecalendar` package (it knows 2004–2026), then plain Monday–Friday. A result that
relied on the last fallback for a year nobody has entered is *provisional*: it is shown as such
and recomputed once the year's schedule is entered.
"""

import datetime
from dataclasses import dataclass

import chinese_calendar

from .models import CalendarDay, CalendarYear


@dataclass(frozen=True)
class DayKind:
    is_workday: bool
    provisional: bool


class Calendar:
    """Answers day questions for a span of dates with one query for the table."""

    def __init__(self, start: datetime.date, end: datetime.date):
        rows = CalendarDay.objects.filter(date__year__gte=start.year, date__year__lte=end.year)
        self.entries = {r.date: r.is_workday for r in rows}
        self.known_years = set(
            CalendarYear.objects.filter(year__gte=start.year, year__lte=end.year).values_list("year", flat=True)
        )

    def kind(self, day: datetime.date) -> DayKind:
        final = day.year in self.known_years
        if day in self.entries:
            return DayKind(self.entries[day], False)
        if final:
            return DayKind(day.weekday() < 5, False)
        try:
            return DayKind(chinese_calendar.is_workday(day), False)
        except NotImplementedError:  # the package stops at 2026: count Mon–Fri until the year is entered
            return DayKind(day.weekday() < 5, True)


def builtin_covers(year: int) -> bool:
    """True when the bundled `chinesecalendar` package knows the year's official schedule."""
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:  # the package's way of saying "no data for this year"
        return False
    return True


@dataclass(frozen=True)
class WorkingDayResult:
    date: datetime.date
    provisional: bool


def add_working_days(start: datetime.date, days: int) -> WorkingDayResult:
    """The date of the `days`-th working day after `start` (start itself does not count)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    # Long holidays (Spring Festival) are at most ~9 days: 2× plus a margin bounds the span.
    calendar = Calendar(start, start + datetime.timedelta(days=days * 2 + 30))
    current, counted, provisional = start, 0, False
    while counted < days:
        current += datetime.timedelta(days=1)
        kind = calendar.kind(current)
        provisional |= kind.provisional
        if kind.is_workday:
            counted += 1
    return WorkingDayResult(current, provisional)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (negative when end is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    calendar = Calendar(start, end)
    count, current = 0, start
    while current < end:
        current += datetime.timedelta(days=1)
        count += calendar.kind(current).is_workday
    return count


def is_workday(day: datetime.date) -> DayKind:
    return Calendar(day, day).kind(day)
