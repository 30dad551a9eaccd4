"""Public reads: what an anonymous resident may look up, and nothing more.

Project search returns names and places only (never the company or anyone's data); a complaint
is found by its tracking code alone, and only its public timeline is read.
"""

from django.db.models import Q, QuerySet

from propwatch.complaints import tracking
from propwatch.complaints.models import Complaint, ComplaintEvent
from propwatch.registry.models import Project

MIN_QUERY = 2
MAX_RESULTS = 20
# The only project columns the public pages ever read.
PUBLIC_PROJECT_FIELDS = ("id", "name", "address", "community__parent__name", "community__parent__parent__name")


def public_projects() -> QuerySet:
    """Projects a resident may complain about.

    Every registered project: an estate whose company has left (focus problem 4) is exactly one
    residents complain about, so the management contract does not matter here.
    """
    return Project.objects.all()


def _as_public(row: dict) -> dict:
    return {
        "id": row["id"],
        "name": row["name"],
        "address": row["address"],
        "street": row["community__parent__name"],
        "district": row["community__parent__parent__name"],
    }


def search_projects(query: str, limit: int = MAX_RESULTS) -> list[dict]:
    """Up to `limit` projects whose name or address contains the query (at least 2 characters)."""
    query = " ".join((query or "").split())
    if len(query) < MIN_QUERY:
        return []
    rows = (public_projects().filter(Q(name__icontains=query) | Q(address__icontains=query))
            .order_by("name", "pk").values(*PUBLIC_PROJECT_FIELDS)[:limit])
    return [_as_public(r) for r in rows]


def public_project(pk) -> dict | None:
    """One project in its public form, or None when the id is not a project."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    row = public_projects().filter(pk=pk).values(*PUBLIC_PROJECT_FIELDS).first()
    return _as_public(row) if row else None


def complaint_by_code(raw: str) -> Complaint | None:
    """The complaint a tracking code names (as typed: any case, spaces, dashes), or None.

    Loaded with what `Complaint.progress()` reads, so the status page costs a fixed number of
    queries whatever the complaint's history.
    """
    code = tracking.normalise(raw)
    if code is None:
        return None
    return (Complaint.objects.filter(tracking_code=code)
            .select_related("project", "problem", "duplicate_of__problem")
            .prefetch_related("callbacks").first())


def public_events(complaint: Complaint) -> list[ComplaintEvent]:
    """The timeline entries the resident may read: time and note of the public ones only."""
    return list(complaint.events.filter(public=True).only("id", "at", "note", "complaint_id").order_by("at", "id"))
