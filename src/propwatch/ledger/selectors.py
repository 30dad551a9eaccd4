"""Scoped reads of the ledger: the rows a user may see, the derived flags, the home-page figures.

Overdue and "offered for escalation" are derived from the deadline and the working-day calendar
at read time; neither is ever stored.
"""

import datetime

from django.conf import settings
from django.db.models import BooleanField, Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import Case, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from propwatch.accounts.choices import DepartmentKind
from propwatch.accounts.models import Department
from propwatch.campaigns.working_days import Calendar

from .choices import ExtensionState, Level, State
from .deadlines import SHANGHAI
from .models import DeadlineExtension, Problem

# Departments a county adds to a problem for joint supervision (联合督办), DESIGN §1.
JOINT_KINDS = {DepartmentKind.POLICE, DepartmentKind.MARKET_REGULATION, DepartmentKind.CIVIL_AFFAIRS,
               DepartmentKind.DRC}


def problems_for(user) -> QuerySet:
    """The problems the user may see, with everything a list row shows in the same query."""
    return Problem.objects.visible_to(user).select_related(
        "project__community__parent__parent", "company", "responsible_department",
    )


def get_problem_for(user, pk: int) -> Problem:
    """One problem the user may see; a problem out of scope is the same 404 as a missing one."""
    return get_object_or_404(problems_for(user).select_related("created_by", "submitted_by", "closed_by"), pk=pk)


def assignable_departments(user) -> QuerySet:
    """Departments in the user's scope that can be made responsible for a problem (not companies)."""
    return (Department.objects.visible_to(user).filter(is_active=True)
            .exclude(kind=DepartmentKind.PROPERTY_COMPANY).select_related("region"))


def joint_department_choices(user, problem: Problem) -> QuerySet:
    """Police, market regulation, … of the problem's county, in the user's scope, not yet joined."""
    county_code = problem.project.community.path.strip("/").split("/")[1]
    return (assignable_departments(user)
            .filter(kind__in=JOINT_KINDS, region__path__contains=f"/{county_code}/")
            .exclude(pk__in=problem.joint_departments.values("pk")))


def pending_extension(problem: Problem) -> DeadlineExtension | None:
    return (problem.extensions.filter(state=ExtensionState.PENDING)
            .select_related("requested_by", "requested_by__department").first())


# ---- derived flags -----------------------------------------------------------------------------

def overdue_q(now: datetime.datetime | None = None) -> Q:
    """Past the deadline and not closed."""
    return Q(deadline__lt=now or timezone.now()) & ~Q(state=State.CLOSED)


def due_within_q(days: int, now: datetime.datetime | None = None) -> Q:
    """Open and due in the next `days` calendar days (not yet overdue)."""
    now = now or timezone.now()
    return Q(deadline__gte=now, deadline__lte=now + datetime.timedelta(days=days)) & ~Q(state=State.CLOSED)


def escalation_cutoff(today: datetime.date | None = None, working_days: int | None = None) -> datetime.date:
    """The latest deadline day that is more than `working_days` working days behind `today`.

    A problem due on day D is overdue by the working days after D up to today; it is offered for
    escalation when that count exceeds the setting, i.e. when D is on or before this cutoff.
    """
    today = today or timezone.localdate()
    limit = settings.LEDGER_ESCALATION_OFFER_WORKING_DAYS if working_days is None else working_days
    calendar = Calendar(today - datetime.timedelta(days=limit * 2 + 30), today)
    day, counted = today, 0  # `counted` = working days in (day, today]
    while counted <= limit:
        counted += calendar.kind(day).is_workday
        day -= datetime.timedelta(days=1)
    return day


def escalation_q(today: datetime.date | None = None) -> Q:
    """Street-level, not closed, and overdue by more than the configured working days."""
    cutoff = escalation_cutoff(today)
    before = datetime.datetime.combine(cutoff + datetime.timedelta(days=1), datetime.time(0), tzinfo=SHANGHAI)
    return Q(level=Level.STREET, deadline__lt=before) & ~Q(state=State.CLOSED)


def with_flags(qs: QuerySet, now: datetime.datetime | None = None, escalation: Q | None = None) -> QuerySet:
    """Annotate `overdue` and `offer_escalation` so a list shows them without a query per row.

    `escalation` is `escalation_q()` when the caller has it already (it reads the calendar).
    """
    now = now or timezone.now()
    escalation = escalation if escalation is not None else escalation_q(timezone.localdate(now))
    return qs.annotate(
        overdue=Case(When(overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField()),
        offer_escalation=Case(When(escalation, then=Value(True)), default=Value(False), output_field=BooleanField()),
        has_pending_extension=Exists(DeadlineExtension.objects.filter(problem=OuterRef("pk"),
                                                                      state=ExtensionState.PENDING)),
    )


def ledger_summary(user, now: datetime.datetime | None = None) -> dict:
    """Headline counts for the home page, in one query."""
    now = now or timezone.now()
    return Problem.objects.visible_to(user).aggregate(
        open=Count("pk", filter=~Q(state=State.CLOSED)),
        overdue=Count("pk", filter=overdue_q(now)),
        awaiting=Count("pk", filter=Q(state=State.AWAITING_VERIFICATION)),
        due_soon=Count("pk", filter=due_within_q(3, now)),
    )
