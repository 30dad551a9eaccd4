"""Writes to the campaign configuration: the working-day calendar and the time limits.

Every write runs in one transaction with its audit row. A change to a year's calendar moves the
deadlines counted over that year, so after the commit the calendar services ask the ledger to
recount the provisional deadlines (`recompute_provisional_deadlines`) and return how many moved
along with the result, for the page to tell the administrator.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from propwatch.audit.models import AuditAction
from propwatch.audit.services import record, record_change, snapshot

from .choices import Focus
from .models import DEFAULT_TIME_LIMITS, CalendarDay, CalendarYear, TimeLimit
from .working_days import builtin_covers

WEEKDAYS = "一二三四五六日"
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_WORKING_DAYS, MAX_HOURS = 90, 240
# What an administrator types for a day off and for a make-up working day (调休上班).
HOLIDAY_WORDS = {"放假", "休", "休息", "假", "节假日"}
WORKDAY_WORDS = {"上班", "班", "补班", "调休上班"}


def weekday_name(day: datetime.date) -> str:
    return f"星期{WEEKDAYS[day.weekday()]}"


def check_day(day: datetime.date, is_workday: bool) -> str:
    """"" when the entry makes sense, else the Chinese reason.

    A make-up working day is always a weekend day: a weekday marked 上班 changes nothing and is
    almost always a typo for another date. A holiday on a weekend is allowed, because the State
    Council's notices list whole ranges (2月6日至12日放假) that include the weekend.
    """
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间"
    if is_workday and day.weekday() < 5:
        return f"{day:%Y-%m-%d} 是{weekday_name(day)}，本来就是工作日；“上班”只用于周末调休上班的日期"
    return ""


@dataclass
class CalendarChange:
    """What a calendar write did, for the page to report."""

    year: int
    recomputed: int
    # The year's deadlines were already final (entered complete, or known to the package): a
    # change now recounts only provisional deadlines, never final ones.
    year_final: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


def _recompute(*, actor, year: int) -> int:
    from propwatch.ledger.services import recompute_provisional_deadlines

    return recompute_provisional_deadlines(actor=actor, year=year)


def _after(actor, year: int, recompute_from: int | None = None, **counts) -> CalendarChange:
    """Recount after the commit. The ledger recounts provisional deadlines falling in
    `recompute_from` or later, which covers every later year changed by the same write."""
    final = builtin_covers(year) or CalendarYear.objects.filter(year=year).exists()
    recomputed = _recompute(actor=actor, year=year if recompute_from is None else recompute_from)
    return CalendarChange(year=year, recomputed=recomputed, year_final=final, **counts)


# ---- single days -------------------------------------------------------------------------------

def save_calendar_day(*, actor, day: CalendarDay | None, date: datetime.date, is_workday: bool,
                      note: str = "") -> CalendarChange:
    """Add a holiday or make-up working day, or change one (`day` given)."""
    note = (note or "").strip()
    errors = {}
    if reason := check_day(date, is_workday):
        errors["date"] = reason
    elif CalendarDay.objects.filter(date=date).exclude(pk=day.pk if day else None).exists():
        errors["date"] = f"{date:%Y-%m-%d} 已经录入，请修改原有记录"
    if len(note) > 50:
        errors["note"] = "说明最多 50 个字"
    if errors:
        raise ValidationError(errors)
    years = {date.year}
    is_new = day is None
    try:
        with transaction.atomic():
            if day is None:
                day = CalendarDay.objects.create(date=date, is_workday=is_workday, note=note)
                record_change(actor=actor, obj=day, before=None, note="录入节假日安排")
            else:
                day = CalendarDay.objects.select_for_update().get(pk=day.pk)
                years.add(day.date.year)
                before = snapshot(day)
                day.date, day.is_workday, day.note = date, is_workday, note
                day.save()
                record_change(actor=actor, obj=day, before=before, note="修改节假日安排")
    except IntegrityError as exc:  # someone entered the same date a moment ago
        raise ValidationError({"date": f"{date:%Y-%m-%d} 已经录入，请修改原有记录"}) from exc
    # Moving an entry to another year changes both years: recount from the earlier one.
    return _after(actor, date.year, recompute_from=min(years), created=int(is_new), updated=int(not is_new))


def delete_calendar_day(*, actor, day: CalendarDay) -> CalendarChange:
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().get(pk=day.pk)
        record(actor=actor, action=AuditAction.DELETE, obj=day, before=snapshot(day), note="删除节假日安排")
        year = day.date.year
        day.delete()
    return _after(actor, year, deleted=1)


# ---- pasting a whole year ----------------------------------------------------------------------

@dataclass(frozen=True)
class ParsedDay:
    line: int
    date: datetime.date
    is_workday: bool
    note: str


@dataclass(frozen=True)
class RowError:
    line: int
    text: str
    message: str


@dataclass
class CalendarImportError(Exception):
    """The pasted text had errors; nothing was written."""

    errors: list[RowError] = field(default_factory=list)


_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_LINE = re.compile(rf"^{_DATE}(?:\s*(?:至|到|~|～|—|–)\s*{_DATE})?(.*)$")
_SEPARATORS = " \t,，、;；:："
# Longest first, so "调休上班" is not read as "调休" + "上班".
_WORDS = sorted([(w, False) for w in HOLIDAY_WORDS] + [(w, True) for w in WORKDAY_WORDS], key=lambda x: -len(x[0]))


def _date(y: str, m: str, d: str) -> datetime.date | None:
    try:
        return datetime.date(int(y), int(m), int(d))
    except ValueError:
        return None


def _kind_and_note(rest: str) -> tuple[bool | None, str, str]:
    """(is_workday or None when unknown, note, the word read) from what follows the date."""
    rest = rest.strip(_SEPARATORS)
    for word, is_workday in _WORDS:
        if rest.startswith(word):
            return is_workday, rest[len(word):].strip(_SEPARATORS), word
    return None, "", rest.split()[0] if rest.split() else ""


def parse_calendar_text(text: str, year: int) -> tuple[list[ParsedDay], list[RowError]]:
    """Read lines like "2027-01-01 放假 元旦" or "2027-02-07 上班 春节调休".

    A range "2027-02-06 至 2027-02-12 放假 春节" gives one entry per day. Blank lines and lines
    starting with # are skipped. Every problem is reported with its line number.
    """
    days: list[ParsedDay] = []
    errors: list[RowError] = []
    seen: dict[datetime.date, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().replace("\u3000", " ")
        if not line or line.startswith("#"):
            continue

        def fail(message: str, line_no: int = number, shown: str = line) -> None:
            errors.append(RowError(line_no, shown, message))

        match = _LINE.match(line)
        if not match:
            fail("无法识别日期，请按“2027-01-01 放假 元旦”的格式填写：日期、放假或上班、说明")
            continue
        start = _date(*match.group(1, 2, 3))
        end = _date(*match.group(4, 5, 6)) if match.group(4) else start
        if start is None or end is None:
            fail("日期不存在，请检查月份和日期")
            continue
        is_workday, note, word = _kind_and_note(match.group(7))
        if is_workday is None:
            fail(f"请在日期后写明“放假”或“上班”{f'（现为“{word}”）' if word else ''}")
            continue
        if end < start:
            fail("日期范围的结束日期早于开始日期")
            continue
        if (end - start).days > 30:
            fail("一个日期范围最长 31 天，请检查是否写错")
            continue
        if len(note) > 50:
            fail("说明最多 50 个字")
            continue
        current = start
        while current <= end:
            if current.year != year:
                fail(f"{current:%Y-%m-%d} 不在 {year} 年，请在该年度的页面录入")
                break
            if reason := check_day(current, is_workday):
                fail(reason)
                break
            if current in seen:
                fail(f"{current:%Y-%m-%d} 在第 {seen[current]} 行已经出现")
                break
            seen[current] = number
            days.append(ParsedDay(number, current, is_workday, note))
            current += datetime.timedelta(days=1)
    return days, errors


def import_calendar_days(*, actor, year: int, text: str) -> CalendarChange:
    """Enter many days of one year at once. Any error: nothing is written (CalendarImportError).

    A date already in the table is updated to what was pasted, so the same list can be pasted
    again after a correction.
    """
    days, errors = parse_calendar_text(text, year)
    if not errors and not days:
        errors = [RowError(0, "", "没有可录入的内容，请每行填写一个日期")]
    if errors:
        raise CalendarImportError(errors)
    try:
        created, updated, unchanged = _write_days(actor=actor, year=year, days=days)
    except IntegrityError as exc:  # another administrator entered one of these dates meanwhile
        raise CalendarImportError([RowError(0, "", "其他人员刚刚录入了其中的日期，请刷新年度页面核对后重新提交")]) from exc
    return _after(actor, year, created=created, updated=updated, unchanged=unchanged)


def _write_days(*, actor, year: int, days: list[ParsedDay]) -> tuple[int, int, int]:
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {d.date: d for d in CalendarDay.objects.select_for_update().filter(date__year=year)}
        for parsed in days:
            row = existing.get(parsed.date)
            if row is None:
                row = CalendarDay.objects.create(date=parsed.date, is_workday=parsed.is_workday, note=parsed.note)
                record_change(actor=actor, obj=row, before=None, note="批量录入节假日安排")
                created += 1
            elif (row.is_workday, row.note) != (parsed.is_workday, parsed.note):
                before = snapshot(row)
                row.is_workday, row.note = parsed.is_workday, parsed.note
                row.save()
                record_change(actor=actor, obj=row, before=before, note="批量录入节假日安排")
                updated += 1
            else:
                unchanged += 1
        record(actor=actor, action=AuditAction.IMPORT, object_type="campaigns.calendarday",
               object_repr=f"{year} 年节假日安排",
               note=f"批量录入 {len(days)} 天：新增 {created}，修改 {updated}，未变 {unchanged}")
    return created, updated, unchanged


# ---- completing a year -------------------------------------------------------------------------

def mark_year_complete(*, actor, year: int, source: str) -> CalendarChange:
    """Declare a year's schedule entered in full: its deadlines stop being provisional.

    From then on a date of that year missing from the table is an ordinary day (Mon–Fri work),
    so a year the bundled package already knows is refused: marking it would silently drop the
    package's holidays for every date the table does not list.
    """
    source = (source or "").strip()
    if not source:
        raise ValidationError({"source": "请填写依据，如：国务院办公厅关于2027年部分节假日安排的通知"})
    if len(source) > 100:
        raise ValidationError({"source": "依据最多 100 个字"})
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间")
    if builtin_covers(year):
        raise ValidationError(f"{year} 年的节假日安排系统已内置，无需标记；个别日期与内置不同时，直接录入该日期即可")
    if not CalendarDay.objects.filter(date__year=year, is_workday=False).exists():
        raise ValidationError(f"{year} 年还没有录入任何放假日期，请先录入节假日安排，再标记为录入完整")
    with transaction.atomic():
        row = CalendarYear.objects.select_for_update().filter(year=year).first()
        if row is None:
            row = CalendarYear.objects.create(year=year, source=source)
            record_change(actor=actor, obj=row, before=None, note="标记年度节假日安排录入完整")
        else:
            before = snapshot(row)
            row.source = source
            row.save()
            record_change(actor=actor, obj=row, before=before, note="修改年度节假日安排依据")
    return _after(actor, year)


# ---- time limits -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TimeLimitRow:
    focus: int
    label: str
    working_days: int | None
    hours: int | None
    is_default: bool
    updated_at: datetime.datetime | None

    def describe(self) -> str:
        return f"{self.hours} 小时" if self.hours else f"{self.working_days} 个工作日"


def time_limit_rows() -> list[TimeLimitRow]:
    """The six focus problems with their limit: the configured row, else the built-in default."""
    rows = {t.focus: t for t in TimeLimit.objects.all()}
    result = []
    for focus in Focus:
        row = rows.get(focus.value)
        limit = ({"hours": row.hours, "working_days": row.working_days} if row
                 else DEFAULT_TIME_LIMITS[focus.value])
        result.append(TimeLimitRow(focus.value, focus.label, limit.get("working_days"), limit.get("hours"),
                                   row is None, row.updated_at if row else None))
    return result


def set_time_limit(*, actor, focus: int, working_days: int | None = None, hours: int | None = None) -> TimeLimit:
    """Set the default time limit of a focus problem: working days, or hours for urgent ones.

    It applies to problems registered from now on; existing deadlines stay as they are.
    """
    if focus not in Focus.values:
        raise ValidationError("整治重点不正确")
    if (working_days is None) == (hours is None):
        raise ValidationError("工作日和小时只能填写其中一项")
    if working_days is not None and not 1 <= working_days <= MAX_WORKING_DAYS:
        raise ValidationError({"amount": f"工作日应在 1–{MAX_WORKING_DAYS} 之间"})
    if hours is not None and not 1 <= hours <= MAX_HOURS:
        raise ValidationError({"amount": f"小时应在 1–{MAX_HOURS} 之间"})
    with transaction.atomic():
        row = TimeLimit.objects.select_for_update().filter(focus=focus).first()
        if row is None:
            row = TimeLimit.objects.create(focus=focus, working_days=working_days, hours=hours)
            record_change(actor=actor, obj=row, before=None, note="设置整改时限")
        else:
            before = snapshot(row)
            row.working_days, row.hours = working_days, hours
            row.save()
            record_change(actor=actor, obj=row, before=before, note="修改整改时限")
    return row
