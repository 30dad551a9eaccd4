"""Ledger benchmark: a county officer's list of overdue problems at province scale."""

import datetime
import random

from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from propwatch.accounts.choices import DepartmentKind
from propwatch.accounts.models import Department, User
from propwatch.ledger.choices import Level, Source, State
from propwatch.ledger.filters import ProblemFilter
from propwatch.ledger.models import Problem
from propwatch.ledger.selectors import problems_for, with_flags
from propwatch.regions.models import Region
from propwatch.registry.models import Project

PAGE = 25
PROBLEMS = 100_000


def prepare() -> None:
    """Bulk rows (not services: 100,000 problems through services would take an hour)."""
    have = Problem.objects.count()
    if have >= PROBLEMS:
        return
    rng = random.Random(5)
    projects = list(Project.objects.values_list("pk", "company_id", "community__path"))
    now = timezone.now()
    rows = []
    for i in range(have, PROBLEMS):
        pk, company_id, path = rng.choice(projects)
        found = timezone.localdate() - datetime.timedelta(days=rng.randint(0, 200))
        rows.append(Problem(
            number=f"{path.strip('/').split('/')[1]}-B-{i:07d}", source=rng.choice(Source.values), project_id=pk,
            company_id=company_id, focus=rng.randint(1, 6), description="基准测试问题", found_on=found,
            level=rng.choice(Level.values), state=rng.choice(State.values),
            deadline=now + datetime.timedelta(days=rng.randint(-60, 30)),
        ))
    Problem.objects.bulk_create(rows, batch_size=5000)


def _county_officer() -> User:
    county = Region.objects.get(code="420502")
    dept, _ = Department.objects.get_or_create(
        name="基准测试-西陵区住建局", defaults={"kind": DepartmentKind.HOUSING, "region": county})
    user, _ = User.objects.get_or_create(username="bench_xiling", defaults={"department": dept})
    return user


def cases():
    prepare()
    user = _county_officer()
    request = RequestFactory().get("/ledger/problems/", {"overdue": "yes", "sort": "deadline"})
    request.user = user
    path = Region.objects.get(code="420502").path

    def ours():
        fs = ProblemFilter(request.GET, queryset=with_flags(problems_for(user)), request=request)
        qs = fs.qs.order_by("deadline", "pk")
        total = qs.count()
        rows = [(p.number, p.project.name, p.company.name if p.company else "", p.overdue) for p in qs[:PAGE]]
        return total, rows

    def floor():
        where = """FROM ledger_problem p JOIN registry_project pr ON pr.id = p.project_id
            JOIN regions_region c ON c.id = pr.community_id
            LEFT JOIN registry_company co ON co.id = p.company_id
            WHERE c.path LIKE %s AND p.state <> 'closed' AND p.deadline < %s"""
        params = [path + "%", timezone.now()]
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) " + where, params)
            total = cur.fetchone()[0]
            cur.execute("SELECT p.number, pr.name, co.name " + where + " ORDER BY p.deadline, p.id LIMIT %s",
                        [*params, PAGE])
            rows = cur.fetchall()
        return total, rows

    return [("ledger list, county scope + overdue (25 of 100k problems)", ours, floor)]
