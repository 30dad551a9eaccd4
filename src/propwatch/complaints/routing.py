"""Which department a complaint goes to, and by when it must be answered."""

import datetime

from django.conf import settings
from django.utils import timezone

from propwatch.accounts.choices import DepartmentKind as K
from propwatch.accounts.models import Department
from propwatch.campaigns.working_days import add_working_days
from propwatch.ledger.choices import Level
from propwatch.ledger.deadlines import end_of_day

from .choices import Route

ROUTE_KINDS = {Route.POLICE: K.POLICE, Route.MARKET: K.MARKET_REGULATION}


def _county_path(project) -> str:
    parts = project.community.path.strip("/").split("/")
    return "/" + "/".join(parts[:2]) + "/"


def default_department(project, route: str) -> tuple[Department | None, str]:
    """(department, ledger level) a complaint on `project` with `route` goes to by default.

    Housing matters go to the street office of the project's street, which resolves them on the
    spot (street level), or to the county housing bureau where the street has no account. Police
    and market regulation matters go to that county's police / market regulation office.
    """
    county = _county_path(project)
    active = Department.objects.filter(is_active=True).select_related("region")
    kind = ROUTE_KINDS.get(route)
    if kind is not None:
        dept = active.filter(kind=kind, region__path=county).first()
        return dept, Level.COUNTY
    street = project.community.parent
    if street is not None:
        dept = active.filter(kind=K.STREET_OFFICE, region=street).first()
        if dept is not None:
            return dept, Level.STREET
    return active.filter(kind=K.HOUSING, region__path=county).first(), Level.COUNTY


# Departments that can be made responsible for a complaint's problem.
HANDLING_KINDS = {K.HOUSING, K.STREET_OFFICE, K.COMMUNITY_COMMITTEE, K.POLICE, K.MARKET_REGULATION}


def can_handle(department: Department, project) -> bool:
    """An active handling office whose territory includes the project."""
    return (department.is_active and department.kind in HANDLING_KINDS
            and project.community.path.startswith(department.region.path))


def level_for(department: Department) -> str:
    return Level.STREET if department.kind in (K.STREET_OFFICE, K.COMMUNITY_COMMITTEE) else Level.COUNTY


def reply_deadline(received_at: datetime.datetime, focus: int | None, *, memo: dict | None = None
                   ) -> tuple[datetime.datetime, bool]:
    """(deadline, provisional): working days from receipt (5 by default); focus 1 is urgent, in hours.

    `memo` (a dict kept by the caller) remembers the answer per day of receipt, so a bulk import
    reads the calendar once per day instead of once per row.
    """
    if focus == 1:
        return received_at + datetime.timedelta(hours=settings.COMPLAINT_URGENT_REPLY_HOURS), False
    day = timezone.localtime(received_at).date()
    memo = _recent if memo is None else memo
    if day in memo:
        return memo[day]
    result = add_working_days(day, settings.COMPLAINT_REPLY_WORKING_DAYS)
    answer = (end_of_day(result.date), result.provisional)
    memo[day] = answer
    return answer


# The answers of this process for recent days of receipt: every complaint of a day has the same
# deadline, and a surge should not read the holiday table twice per submission. Emptied whenever
# the calendar or the time limits change (signals in apps.py).
_recent: dict = {}


def forget_deadlines(**kwargs) -> None:
    _recent.clear()
