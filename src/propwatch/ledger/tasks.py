"""Background tasks of the ledger (django.tasks; the database worker runs them).

`send_daily_reminders` is enqueued once a day by `propwatch schedule`. It is idempotent per day:
every notification it sends carries a key naming the day, and a key is delivered once per user,
so running it twice (a retry, a second scheduler) sends nothing new.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import Q
from django.tasks import task
from django.urls import NoReverseMatch, reverse

from propwatch.accounts.choices import DepartmentKind, Role
from propwatch.accounts.models import User
from propwatch.regions.models import Level as RegionLevel
from propwatch.regions.models import Region

from .deadlines import SHANGHAI
from .models import Problem

# Ids per IN (…) list: far below SQLite's parameter limit, and a handful of queries at city scale.
ID_BATCH = 500
# A county digest names the most overdue problems; the rest are a link to the filtered list.
DIGEST_LINES = 20
REMINDER_KEY, DIGEST_KEY = "remind:", "overdue-digest:"

_PROBLEM_FIELDS = ("pk", "number", "deadline", "deadline_provisional", "focus", "responsible_department_id",
                   "company_id", "project__name", "project__community__path")


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    ids = sorted(set(ids))
    for i in range(0, len(ids), ID_BATCH):
        yield ids[i:i + ID_BATCH]


def _url(name: str, *args, query: str = "") -> str:
    # The ledger pages may be mounted or not (the API-only set-up); a reminder without a link is
    # still a reminder.
    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return ""


def _active_users() -> "Q":
    # Auditors read everything and change nothing: reminders to act are not for them.
    return Q(is_active=True, department__is_active=True) & ~Q(role=Role.AUDITOR)


def _users_by_department(department_ids: Iterable[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = defaultdict(list)
    for batch in _batches(department_ids):
        for user_id, dept_id in User.objects.filter(_active_users(), department_id__in=batch).values_list(
                "pk", "department_id"):
            result[dept_id].append(user_id)
    return result


def _users_by_company(company_ids: Iterable[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = defaultdict(list)
    for batch in _batches(company_ids):
        rows = User.objects.filter(_active_users(), department__kind=DepartmentKind.PROPERTY_COMPANY,
                                   department__company_id__in=batch).values_list("pk", "department__company_id")
        for user_id, company_id in rows:
            result[company_id].append(user_id)
    return result


def _county_code(community_path: str) -> str:
    # "/420500/420502/420502001/420502001001/": the second code is the county-level division.
    return community_path.strip("/").split("/")[1]


def _parse_day(day: str | datetime.date) -> datetime.date:
    return day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day)


def _deadline_text(row: dict) -> str:
    text = row["deadline"].astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return text + ("（暂定）" if row["deadline_provisional"] else "")


def reminder_drafts(day: datetime.date):
    """(drafts for assignees and companies, drafts for county housing bureaus) for `day`."""
    from propwatch.campaigns.choices import Focus
    from propwatch.notifications.services import Draft

    day_start = datetime.datetime.combine(day, datetime.time.min, tzinfo=SHANGHAI)
    window_end = datetime.datetime.combine(day + datetime.timedelta(days=settings.LEDGER_REMIND_DAYS_BEFORE),
                                           datetime.time.max, tzinfo=SHANGHAI)
    # One query for every problem to remind about: open, and due by the end of the window
    # (overdue ones included). The (state, deadline) index serves it.
    rows = list(Problem.objects.open().filter(deadline__isnull=False, deadline__lte=window_end)
                .order_by("deadline", "pk").values(*_PROBLEM_FIELDS))
    by_department = _users_by_department(r["responsible_department_id"] for r in rows
                                         if r["responsible_department_id"])
    by_company = _users_by_company(r["company_id"] for r in rows if r["company_id"])

    personal: list[Draft] = []
    overdue_by_county: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        overdue = row["deadline"] < day_start
        days = (row["deadline"].astimezone(SHANGHAI).date() - day).days
        focus = Focus(row["focus"]).label
        if overdue:
            overdue_by_county[_county_code(row["project__community__path"])].append(row)
            title = f"已逾期：{row['number']} {row['project__name']}"
            body = f"{focus}。整改期限 {_deadline_text(row)}，已逾期 {-days} 天，请尽快整改并提交整改材料。"
        else:
            title = f"即将到期：{row['number']} {row['project__name']}"
            when = "今天到期" if days == 0 else f"还有 {days} 天到期"
            body = f"{focus}。整改期限 {_deadline_text(row)}，{when}。"
        recipients = set(by_department.get(row["responsible_department_id"], ()))
        recipients |= set(by_company.get(row["company_id"], ()))
        url = _url("ledger:problem_detail", row["pk"])
        personal += [Draft(user_id=u, key=f"{REMINDER_KEY}{day.isoformat()}:{row['pk']}", title=title, body=body, url=url)
                     for u in sorted(recipients)]

    county: list[Draft] = []
    if overdue_by_county:
        names = dict(Region.objects.filter(code__in=overdue_by_county).values_list("code", "name"))
        housing = User.objects.filter(_active_users(), department__kind=DepartmentKind.HOUSING,
                                      department__region__level=RegionLevel.COUNTY,
                                      department__region__code__in=overdue_by_county)
        users_by_county: dict[str, list[int]] = defaultdict(list)
        for user_id, code in housing.values_list("pk", "department__region__code"):
            users_by_county[code].append(user_id)
        for code, overdue_rows in sorted(overdue_by_county.items()):
            lines = [f"{r['number']} {r['project__name']}：期限 {_deadline_text(r)}，已逾期 "
                     f"{(day - r['deadline'].astimezone(SHANGHAI).date()).days} 天"
                     for r in overdue_rows[:DIGEST_LINES]]
            if len(overdue_rows) > DIGEST_LINES:
                lines.append(f"……另有 {len(overdue_rows) - DIGEST_LINES} 个，请在台账中按“已逾期”筛选查看。")
            title = f"{names.get(code, code)}逾期问题日报（{day:%m月%d日}）：{len(overdue_rows)} 个问题逾期未销号"
            url = _url("ledger:problem_list", query=f"?overdue=yes&county={code}")
            county += [Draft(user_id=u, key=f"{DIGEST_KEY}{day.isoformat()}:{code}", title=title,
                             body="\n".join(lines), url=url) for u in users_by_county.get(code, ())]
    return personal, county


@task()
def send_daily_reminders(day: str) -> dict:
    """Remind of problems due within LEDGER_REMIND_DAYS_BEFORE days or overdue, as of `day`.

    The responsible department's users and the company's users hear about each of their problems;
    each county housing bureau gets one digest of its county's overdue problems. `day` is an ISO
    date (task arguments travel as JSON); "overdue" means past the deadline at the start of `day`
    in Asia/Shanghai, so the result does not depend on when in the day the worker runs it.
    """
    from propwatch.notifications.services import notify_many

    day = _parse_day(day)
    personal, county = reminder_drafts(day)
    # One call, so a user who gets both reminders and a digest gets one e-mail for the day.
    sent = notify_many(personal + county)
    digests = sum(n.key.startswith(DIGEST_KEY) for n in sent)
    return {"day": day.isoformat(), "reminders": len(sent) - digests, "county_digests": digests}
