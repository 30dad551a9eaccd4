"""Scoped reads of the registry."""

import datetime

from django.db.models import Count, Q

from .models import Company, Project, disclosed_q, managed_q, today


def companies_for(user):
    return Company.objects.visible_to(user).select_related("region")


def projects_for(user):
    return Project.objects.visible_to(user).select_related("community__parent__parent", "company")


def registry_summary(user) -> dict:
    """Headline counts for the home page, in one query per table."""
    on = today()
    projects = Project.objects.visible_to(user).aggregate(
        total=Count("pk"),
        managed=Count("pk", filter=managed_q(on)),
        disclosed=Count("pk", filter=managed_q(on) & disclosed_q(on)),
        expiring=Count("pk", filter=Q(contract_end__gte=on, contract_end__lte=on + datetime.timedelta(days=90))),
    )
    projects["undisclosed"] = projects["managed"] - projects["disclosed"]
    return {"projects": projects, "companies": Company.objects.visible_to(user).count()}


def project_count_in_scope(user) -> Count:
    """A company's projects the user may see, as the detail page counts them (not the city total)."""
    return Count("projects", filter=Q(projects__in=Project.objects.visible_to(user)))
