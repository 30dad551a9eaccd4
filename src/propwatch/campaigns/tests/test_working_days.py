"""The working-day calendar: our table, then chinesecalendar, then Monday–Friday (provisional).

The bundled package stops at 2026 and deadlines already cross into 2027, so these tests pin the
order of authority and what happens at the year boundary, including the recount of provisional
deadlines once an administrator enters the new year.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from propwatch.campaigns import services as calendar_services
from propwatch.campaigns.models import CalendarDay, CalendarYear
from propwatch.campaigns.working_days import add_working_days, is_workday, working_days_between
from propwatch.ledger import services as ledger_services
from propwatch.ledger.choices import EventKind, Source
from propwatch.registry.tests.factories import ProjectFactory

SH = ZoneInfo("Asia/Shanghai")
D = datetime.date


# ---- 调休: the package's official schedule for 2026 ----------------------------------------------

def test_a_make_up_saturday_is_a_working_day(db):
    # 2026-02-14 is a Saturday worked to make up for the Spring Festival holiday.
    assert D(2026, 2, 14).weekday() == 5
    kind = is_workday(D(2026, 2, 14))
    assert kind.is_workday and not kind.provisional


def test_national_day_is_not_a_working_day(db):
    # 2026-10-01 is a Thursday, but National Day.
    assert D(2026, 10, 1).weekday() == 3
    kind = is_workday(D(2026, 10, 1))
    assert not kind.is_workday and not kind.provisional


def test_counting_runs_over_the_make_up_day_and_around_the_holiday(db):
    # From Friday 02-13 one working day is the make-up Saturday, not Monday.
    assert add_working_days(D(2026, 2, 13), 1).date == D(2026, 2, 14)
    # The National Day holiday runs 10-01 to 10-07: the first working day after 09-30 is 10-08.
    assert add_working_days(D(2026, 9, 30), 1).date == D(2026, 10, 8)
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1


def test_a_table_entry_overrides_the_package_for_a_2026_date(db):
    # Given the package says 2026-06-15 (a Monday) is an ordinary working day
    assert is_workday(D(2026, 6, 15)).is_workday
    # When an administrator enters it as a day off (a local holiday decided by the city)
    CalendarDay.objects.create(date=D(2026, 6, 15), is_workday=False, note="本市临时调整")
    # Then the table wins, and counting skips it
    assert not is_workday(D(2026, 6, 15)).is_workday
    assert add_working_days(D(2026, 6, 12), 1).date == D(2026, 6, 16)
    # And the other way round: a Saturday the package has off becomes a working day.
    assert not is_workday(D(2026, 6, 20)).is_workday
    CalendarDay.objects.create(date=D(2026, 6, 20), is_workday=True, note="测试调休")
    assert is_workday(D(2026, 6, 20)).is_workday


# ---- across 2026-12-31 into 2027 -----------------------------------------------------------------

def test_without_2027_entries_counting_into_2027_is_monday_to_friday_and_provisional(db):
    # 10 working days from Monday 2026-12-28: Dec 29–31 (3), then with nothing known about 2027
    # Fri Jan 1 counts as a weekday (4), Jan 4–8 (9) and Jan 11 (10).
    result = add_working_days(D(2026, 12, 28), 10)
    assert result.date == D(2027, 1, 11)
    assert result.provisional
    # A date entirely in 2026 stays final, and the package is never asked about 2027 (no crash).
    assert not add_working_days(D(2026, 12, 1), 3).provisional
    assert is_workday(D(2027, 1, 1)).provisional


def test_with_2027_entered_and_complete_the_table_is_used_and_final(db):
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, note="元旦")
    CalendarDay.objects.create(date=D(2027, 1, 4), is_workday=False, note="测试假日")
    CalendarDay.objects.create(date=D(2027, 1, 9), is_workday=True, note="测试调休")
    CalendarYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知")
    result = add_working_days(D(2026, 12, 28), 10)
    # Dec 29–31 (3), Jan 5–8 (4), Sat Jan 9 (1, make-up), Jan 11–12 (2).
    assert result.date == D(2027, 1, 12)
    assert not result.provisional


def test_entries_without_the_year_marked_complete_are_used_but_stay_provisional(db):
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, note="元旦")
    kind = is_workday(D(2027, 1, 1))
    assert not kind.is_workday and not kind.provisional  # the entry itself is known…
    result = add_working_days(D(2026, 12, 31), 2)
    assert result.date == D(2027, 1, 5)
    assert result.provisional  # …but Jan 4 and 5 were guessed: the year may still hold holidays


@pytest.fixture
def provisional_problem(xiling_housing_staff):
    """A focus-2 problem (15 working days) found on 2026-12-20: its deadline lands in January 2027."""
    now = datetime.datetime(2026, 12, 20, 10, 0, tzinfo=SH)
    return ledger_services.register_problem(
        actor=xiling_housing_staff, project=ProjectFactory(), focus=2, description="共用部位被出租经营",
        source=Source.INSPECTION, found_on=D(2026, 12, 20), now=now,
    )


def test_a_deadline_into_2027_is_provisional_when_registered(provisional_problem):
    p = provisional_problem
    assert p.deadline_provisional
    # Mon 12-21 … Thu 12-31: 9 working days; Fri 01-01 is counted Mon–Fri; then 01-04 … 01-08.
    assert timezone.localtime(p.deadline).date() == D(2027, 1, 8)


def test_entering_2027_recomputes_the_provisional_deadline(provisional_problem, city_admin):
    p = provisional_problem
    # When the administrator pastes the beginning of 2027, with 01-04 as a holiday
    change = calendar_services.import_calendar_days(actor=city_admin, year=2027, text=(
        "2027-01-01 放假 元旦\n2027-01-04 放假 测试假日\n"))
    # Then the deadline moves two working days later and is still provisional (year not complete)
    assert change.recomputed == 1
    p.refresh_from_db()
    assert timezone.localtime(p.deadline).date() == D(2027, 1, 12)
    assert p.deadline_provisional
    # When the year is marked complete
    change = calendar_services.mark_year_complete(actor=city_admin, year=2027, source="国办发明电〔2026〕X号")
    # Then the deadline is final, and the timeline says why it changed
    assert change.recomputed == 1
    p.refresh_from_db()
    assert not p.deadline_provisional
    assert timezone.localtime(p.deadline).date() == D(2027, 1, 12)
    assert p.events.filter(kind=EventKind.DEADLINE_RECOMPUTED).count() == 2
    # And a final deadline is not recounted again
    assert calendar_services.mark_year_complete(actor=city_admin, year=2027, source="修改后的依据").recomputed == 0


def test_deleting_the_holiday_moves_the_deadline_back(provisional_problem, city_admin):
    p = provisional_problem
    calendar_services.import_calendar_days(actor=city_admin, year=2027, text="2027-01-04 放假 测试假日")
    p.refresh_from_db()
    assert timezone.localtime(p.deadline).date() == D(2027, 1, 11)
    change = calendar_services.delete_calendar_day(actor=city_admin, day=CalendarDay.objects.get(date=D(2027, 1, 4)))
    assert change.recomputed == 1
    p.refresh_from_db()
    assert timezone.localtime(p.deadline).date() == D(2027, 1, 8)
