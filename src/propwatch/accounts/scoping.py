"""The one place that decides which rows a user may see (条块结合、属地管理).

Every list, detail, export, form choice and API call reads through a `visible_to(user)`
queryset method that lands here. A row outside the scope simply does not exist for the user:
detail views fetch with `get_visible_or_404`, so "missing" and "forbidden" look the same (404).

- Government departments see their region's subtree (the city housing bureau sees the city).
- A property company's users see their own company and its projects, nothing else.
- A user without an active department (and not a superuser) sees nothing.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from .choices import DepartmentKind


def _department(user):
    if user is None or not user.is_authenticated:
        return None
    dept = user.department
    return dept if dept is not None and dept.is_active else None


def region_path(user) -> str | None:
    """The path prefix the user's department covers, or None when it sees no territory."""
    dept = _department(user)
    if dept is None or dept.kind == DepartmentKind.PROPERTY_COMPANY:
        return None
    return dept.region.path


def company_id(user) -> int | None:
    dept = _department(user)
    return dept.company_id if dept is not None and dept.kind == DepartmentKind.PROPERTY_COMPANY else None


def scope_projects(qs: QuerySet, user) -> QuerySet:
    if user is not None and user.is_authenticated and user.is_superuser:
        return qs
    if (cid := company_id(user)) is not None:
        return qs.filter(company_id=cid)
    if (path := region_path(user)) is not None:
        return qs.filter(community__path__startswith=path)
    return qs.none()


def scope_companies(qs: QuerySet, user) -> QuerySet:
    """A company is in a region's scope when it is registered there or manages a project there."""
    from propwatch.registry.models import Project

    if user is not None and user.is_authenticated and user.is_superuser:
        return qs
    if (cid := company_id(user)) is not None:
        return qs.filter(pk=cid)
    if (path := region_path(user)) is not None:
        manages_here = Project.objects.filter(company=OuterRef("pk"), community__path__startswith=path)
        return qs.filter(Q(region__path__startswith=path) | Exists(manages_here))
    return qs.none()


def scope_departments(qs: QuerySet, user) -> QuerySet:
    if user is not None and user.is_authenticated and user.is_superuser:
        return qs
    dept = _department(user)
    if dept is None:
        return qs.none()
    if dept.kind == DepartmentKind.PROPERTY_COMPANY:
        return qs.filter(pk=dept.pk)
    return qs.filter(region__path__startswith=dept.region.path)


def scope_users(qs: QuerySet, user) -> QuerySet:
    if user is not None and user.is_authenticated and user.is_superuser:
        return qs
    dept = _department(user)
    if dept is None:
        return qs.none()
    if dept.kind == DepartmentKind.PROPERTY_COMPANY:
        return qs.filter(department=dept)
    return qs.filter(department__region__path__startswith=dept.region.path)


def get_visible_or_404(qs: QuerySet, user, **lookup):
    """Fetch one row through the user's scope; out of scope and missing are the same 404."""
    return get_object_or_404(qs.visible_to(user), **lookup)


# Departments that act only on what is routed to them (DESIGN §2): they do not browse the ledger.
ROUTED_KINDS = {DepartmentKind.POLICE, DepartmentKind.MARKET_REGULATION}


def scope_problems(qs: QuerySet, user) -> QuerySet:
    """Problems: territory for offices, routing for police/market, own company for companies."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return qs
    if (cid := company_id(user)) is not None:
        return qs.filter(company_id=cid)
    dept = _department(user)
    if dept is None:
        return qs.none()
    in_region = qs.filter(project__community__path__startswith=dept.region.path)
    if dept.kind in ROUTED_KINDS:
        routed = Q(responsible_department=dept) | Q(pk__in=qs.model.joint_departments.through.objects.filter(
            department=dept).values("problem_id"))
        return in_region.filter(routed)
    return in_region


# Offices that take complaints in and decide them for their territory.
INTAKE_KINDS = {DepartmentKind.HOUSING, DepartmentKind.STREET_OFFICE, DepartmentKind.COMMUNITY_COMMITTEE}


def scope_complaints(qs: QuerySet, user) -> QuerySet:
    """Complaints: offices see their territory; police/market only what is routed to them.

    A property company never sees a complaint record, not even about its own project: it reads
    the ledger problem's description only. Development & reform, civil affairs and associations
    have no part in complaint handling.
    """
    if user is not None and user.is_authenticated and user.is_superuser:
        return qs
    dept = _department(user)
    if dept is None or dept.kind == DepartmentKind.PROPERTY_COMPANY:
        return qs.none()
    in_region = qs.filter(project__community__path__startswith=dept.region.path)
    if dept.kind in ROUTED_KINDS:
        return in_region.filter(handling_department=dept)
    if dept.kind in INTAKE_KINDS:
        return in_region
    return qs.none()
